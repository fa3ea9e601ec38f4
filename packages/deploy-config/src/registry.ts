import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DescribeModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  ListModelPackagesCommand,
  type ModelApprovalStatus,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { DeployConfigError, ModelPackageNotFoundError, NoApprovedModelPackageError } from './errors.js';

/** One metric document a model package points at (`ModelMetrics.<area>.<kind>`). */
export interface ModelPackageMetric {
  /** e.g. `ModelQuality.Statistics`, `Explainability.Report`. */
  readonly name: string;
  readonly s3Uri: string;
  readonly contentType: string | undefined;
  /** The document itself (parsed when it is JSON), read when the registry has an S3 client. */
  readonly value?: unknown;
  /** Why the document could not be read, if it could not. */
  readonly readError?: string;
}

/** A version of a model package group, as a reviewer needs it to approve or reject. */
export interface ModelPackageVersion {
  readonly arn: string;
  readonly groupName: string;
  readonly version: number;
  readonly approvalStatus: ModelApprovalStatus | undefined;
  /** `Completed` once the package is usable. */
  readonly packageStatus: string | undefined;
  readonly creationTime: Date | undefined;
  readonly description: string | undefined;
  readonly approvalDescription: string | undefined;
  readonly metrics: readonly ModelPackageMetric[];
  readonly customerMetadata: Readonly<Record<string, string>>;
}

export interface ModelRegistryOptions {
  /** Defaults to a client from the default credential chain. */
  readonly sagemaker?: SageMakerClient;
  /** Reads the metric documents' contents when given; without it only their S3 URIs are listed. */
  readonly s3?: S3Client;
}

/** Reviewing and approving the versions of model package groups (the registry side of the seed's manual approval). */
export class ModelRegistry {
  readonly sagemaker: SageMakerClient;
  readonly s3: S3Client | undefined;

  constructor(options: ModelRegistryOptions = {}) {
    this.sagemaker = options.sagemaker ?? new SageMakerClient({});
    this.s3 = options.s3;
  }

  /** Every version of a group (optionally one approval status), newest first, with metrics and creation time. */
  async listVersions(
    groupName: string,
    filter: { approvalStatus?: ModelApprovalStatus } = {},
  ): Promise<ModelPackageVersion[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sagemaker.send(
        new ListModelPackagesCommand({
          ModelPackageGroupName: groupName,
          ModelPackageType: 'Versioned',
          ...(filter.approvalStatus ? { ModelApprovalStatus: filter.approvalStatus } : {}),
          SortBy: 'CreationTime',
          SortOrder: 'Descending',
          MaxResults: 100,
          NextToken: nextToken,
        }),
      );
      for (const summary of page.ModelPackageSummaryList ?? []) {
        if (summary.ModelPackageArn) arns.push(summary.ModelPackageArn);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    const versions = await Promise.all(arns.map((arn) => this.describe(arn)));
    // Sorted here too: version numbers are the registry's own order, whatever the service's sort did.
    return versions.sort((a, b) => b.version - a.version);
  }

  /** One version by ARN. */
  async describe(modelPackageArn: string): Promise<ModelPackageVersion> {
    let output: DescribeModelPackageCommandOutput;
    try {
      output = await this.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: modelPackageArn }));
    } catch (error) {
      if (isNotFound(error)) throw new ModelPackageNotFoundError(modelPackageArn, { cause: error });
      throw error;
    }
    return this.toVersion(output);
  }

  /** The newest Approved version of a group; throws `NoApprovedModelPackageError` when there is none. */
  async latestApproved(groupName: string): Promise<ModelPackageVersion> {
    const [latest] = await this.listVersions(groupName, { approvalStatus: 'Approved' });
    if (!latest) throw new NoApprovedModelPackageError(groupName);
    return latest;
  }

  /** Approves a version (UpdateModelPackage); the description records why, for the audit trail. */
  approve(modelPackageArn: string, options: { description: string }): Promise<ModelPackageVersion> {
    return this.setApproval(modelPackageArn, 'Approved', options.description);
  }

  /** Rejects a version; rejected versions never deploy. */
  reject(modelPackageArn: string, options: { description: string }): Promise<ModelPackageVersion> {
    return this.setApproval(modelPackageArn, 'Rejected', options.description);
  }

  private async setApproval(
    modelPackageArn: string,
    status: ModelApprovalStatus,
    description: string,
  ): Promise<ModelPackageVersion> {
    if (!description.trim()) {
      throw new DeployConfigError(`An approval decision needs a description (why ${modelPackageArn} is ${status}).`);
    }
    const current = await this.describe(modelPackageArn);
    await this.sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: modelPackageArn,
        ModelApprovalStatus: status,
        ApprovalDescription: description,
        // Passed back unchanged: some implementations replace the properties with whatever the request holds.
        ...(Object.keys(current.customerMetadata).length > 0
          ? { CustomerMetadataProperties: { ...current.customerMetadata } }
          : {}),
      }),
    );
    return this.describe(modelPackageArn);
  }

  private async toVersion(output: DescribeModelPackageCommandOutput): Promise<ModelPackageVersion> {
    const arn = output.ModelPackageArn ?? '';
    const references = metricReferences(output.ModelMetrics);
    const s3 = this.s3;
    const metrics = s3 ? await Promise.all(references.map((metric) => this.readMetric(s3, metric))) : references;
    return {
      arn,
      groupName: output.ModelPackageGroupName ?? '',
      version: output.ModelPackageVersion ?? versionFromArn(arn),
      approvalStatus: output.ModelApprovalStatus,
      packageStatus: output.ModelPackageStatus,
      creationTime: output.CreationTime,
      description: output.ModelPackageDescription,
      approvalDescription: output.ApprovalDescription,
      metrics,
      customerMetadata: output.CustomerMetadataProperties ?? {},
    };
  }

  private async readMetric(s3: S3Client, metric: ModelPackageMetric): Promise<ModelPackageMetric> {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(metric.s3Uri);
    if (!match) return { ...metric, readError: `not an S3 URI: ${metric.s3Uri}` };
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
      const text = (await object.Body?.transformToString()) ?? '';
      const json = (metric.contentType ?? object.ContentType ?? '').includes('json') || /^\s*[[{]/.test(text);
      if (!json) return { ...metric, value: text };
      try {
        return { ...metric, value: JSON.parse(text) as unknown };
      } catch {
        return { ...metric, value: text, readError: 'the document is not valid JSON' };
      }
    } catch (error) {
      return { ...metric, readError: `${(error as Error).name}: ${(error as Error).message}` };
    }
  }
}

function metricReferences(metrics: DescribeModelPackageCommandOutput['ModelMetrics']): ModelPackageMetric[] {
  const out: ModelPackageMetric[] = [];
  for (const [area, kinds] of Object.entries(metrics ?? {})) {
    for (const [kind, source] of Object.entries(
      (kinds ?? {}) as Record<string, { S3Uri?: string; ContentType?: string } | undefined>,
    )) {
      if (source?.S3Uri) out.push({ name: `${area}.${kind}`, s3Uri: source.S3Uri, contentType: source.ContentType });
    }
  }
  return out;
}

function versionFromArn(arn: string): number {
  const version = Number(arn.split('/').at(-1));
  return Number.isInteger(version) ? version : 0;
}

/** SageMaker says "not found" in several ways: ResourceNotFound, or a ValidationException with a message. */
export function isNotFound(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  if (name === 'ResourceNotFound' || name === 'ResourceNotFoundException') return true;
  return (
    (name === 'ValidationException' || name === 'ValidationError') &&
    /could not find|does not exist|not found|cannot find/i.test(message ?? '')
  );
}

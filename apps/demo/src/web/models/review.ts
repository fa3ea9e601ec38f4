import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  type Deployer,
  DeployConfigError,
  ModelRegistry,
  type ModelPackageVersion,
} from '@sagemaker-mlops/deploy-config';
import { STAGES, type Stage } from '../contract.js';
import { DeploymentRuleError, ModelVersionNotFoundError, ReportImageNotFoundError } from '../errors.js';
import type {
  ApprovalDecision,
  DeployGate,
  DeployOperation,
  ModelsResponse,
  ModelVersionView,
  ReportImagePart,
  StageDeployment,
} from './contract.js';
import { readReportImage, readRunReports, type VersionReports } from './reports.js';

export interface ModelReviewOptions {
  sagemaker: SageMakerClient;
  s3: S3Client;
  modelPackageGroupName: string;
  /** Deploys with deploy-config's rules: approved versions only, prod only what staging serves. */
  deployer: Deployer;
  /** Called when a deployment started from the page ends (for the server's log). */
  onDeployed?: (operation: DeployOperation) => void;
}

/**
 * The reviewer's side of the registry: every version with its reports, approve or reject with a comment
 * (UpdateModelPackage's ApprovalDescription), and deployments to staging and prod through the Deployer.
 * Deployments run in the background; the page polls `list()` for their progress.
 */
export class ModelReview {
  readonly groupName: string;
  private readonly registry: ModelRegistry;
  /** Without S3: looks versions up without reading their metric documents. */
  private readonly index: ModelRegistry;
  private readonly operations = new Map<Stage, DeployOperation>();
  /** Reports never change once a run wrote them: read once per model package. */
  private readonly reports = new Map<string, Promise<VersionReports>>();

  constructor(private readonly options: ModelReviewOptions) {
    this.groupName = options.modelPackageGroupName;
    this.registry = new ModelRegistry({ sagemaker: options.sagemaker, s3: options.s3 });
    this.index = new ModelRegistry({ sagemaker: options.sagemaker });
  }

  async list(): Promise<ModelsResponse> {
    const [versions, stages] = await Promise.all([this.versions(), this.stages()]);
    const versionOf = new Map(versions.map((v) => [v.arn, v.version]));
    const stageViews: StageDeployment[] = stages.map(({ stage, endpointName, status, servingArn }) => ({
      stage,
      endpointName,
      status,
      servingVersion: servingArn ? (versionOf.get(servingArn) ?? null) : null,
      operation: this.operations.get(stage) ?? null,
    }));
    const views = await Promise.all(
      versions.map(async (version): Promise<ModelVersionView> => {
        const reports = await this.reportsOf(version);
        const servedBy = stageViews
          .filter((s) => s.status === 'InService' && s.servingVersion === version.version)
          .map((s) => s.stage);
        return {
          version: version.version,
          arn: version.arn,
          approvalStatus: version.approvalStatus ?? 'Unknown',
          packageStatus: version.packageStatus ?? null,
          createdAt: version.creationTime?.toISOString() ?? null,
          description: version.description ?? null,
          approvalDescription: version.approvalDescription ?? null,
          servedBy,
          deploy: this.gates(version, stageViews),
          evaluation: reports.evaluation,
          drift: reports.drift,
          explanation: reports.explanation,
          robustness: reports.robustness,
          reportProblems: reports.problems,
        };
      }),
    );
    return { groupName: this.groupName, stages: stageViews, versions: views };
  }

  /** Approves or rejects a version; the comment is stored as its ApprovalDescription. */
  async decide(version: number, decision: ApprovalDecision, comment: string): Promise<void> {
    const target = await this.find(version);
    const description = comment.trim();
    if (decision === 'Approved') await this.registry.approve(target.arn, { description });
    else await this.registry.reject(target.arn, { description });
  }

  /**
   * Checks the deployment rules now (an error says which one failed), then deploys in the background.
   * At most one deployment per stage at a time.
   */
  async startDeploy(version: number, stage: Stage): Promise<DeployOperation> {
    const target = await this.find(version);
    const previous = this.operations.get(stage);
    if (previous?.state === 'deploying') {
      throw new DeploymentRuleError(`A deployment to ${stage} is already running; wait for it to finish.`);
    }
    const operation: DeployOperation = {
      stage,
      version,
      state: 'deploying',
      message: `deploying version ${version} to ${stage}`,
      startedAt: new Date().toISOString(),
    };
    // Reserved before the first await of the check, so two clicks cannot both start a deployment.
    this.operations.set(stage, operation);
    try {
      await this.options.deployer.plan(stage, { modelPackage: target.arn });
    } catch (error) {
      if (previous) this.operations.set(stage, previous);
      else this.operations.delete(stage);
      if (error instanceof DeployConfigError) throw new DeploymentRuleError(error.message, error);
      throw error;
    }
    this.options.deployer.deploy(stage, { modelPackage: target.arn }).then(
      () => this.finish(operation, 'succeeded', `version ${version} is in service on ${stage}`),
      (error: unknown) => this.finish(operation, 'failed', error instanceof Error ? error.message : String(error)),
    );
    return operation;
  }

  /** A PNG of a version's explanation or robustness report. */
  async reportImage(version: number, part: ReportImagePart, file: string): Promise<Uint8Array> {
    const target = await this.find(version);
    const evaluation = target.metrics.find((m) => m.name === 'ModelQuality.Statistics');
    const bytes = evaluation ? await readReportImage(this.options.s3, evaluation.s3Uri, part, file) : undefined;
    if (!bytes) throw new ReportImageNotFoundError(`${part}/${file} of version ${version}`);
    return bytes;
  }

  private finish(operation: DeployOperation, state: DeployOperation['state'], message: string): void {
    const done = { ...operation, state, message };
    if (this.operations.get(operation.stage) === operation) this.operations.set(operation.stage, done);
    this.options.onDeployed?.(done);
  }

  private versions(): Promise<ModelPackageVersion[]> {
    return this.registry.listVersions(this.groupName);
  }

  private async find(version: number): Promise<ModelPackageVersion> {
    const found = (await this.index.listVersions(this.groupName)).find((v) => v.version === version);
    if (!found) throw new ModelVersionNotFoundError(this.groupName, version);
    return found;
  }

  private reportsOf(version: ModelPackageVersion): Promise<VersionReports> {
    const evaluation = version.metrics.find((m) => m.name === 'ModelQuality.Statistics');
    if (!evaluation) {
      return Promise.resolve({
        evaluation: null,
        drift: [],
        explanation: null,
        robustness: null,
        problems: ['this version has no ModelQuality.Statistics metric (no evaluation report)'],
      });
    }
    // Not cached when unreadable: the document may be readable on the next look.
    if (evaluation.readError) {
      return readRunReports(this.options.s3, evaluation.s3Uri, { readError: evaluation.readError });
    }
    let cached = this.reports.get(version.arn);
    if (!cached) {
      cached = readRunReports(this.options.s3, evaluation.s3Uri, { value: evaluation.value });
      this.reports.set(version.arn, cached);
      cached.catch(() => this.reports.delete(version.arn));
    }
    return cached;
  }

  private async stages(): Promise<Array<{ stage: Stage; endpointName: string; status: string; servingArn?: string }>> {
    return Promise.all(
      STAGES.map(async (stage) => {
        const endpointName = this.options.deployer.stage(stage).EndpointName;
        const serving = await this.options.deployer.serving(stage);
        if (!serving) return { stage, endpointName, status: 'NotDeployed' };
        return {
          stage,
          endpointName,
          status: serving.endpointStatus ?? 'Unknown',
          ...(serving.modelPackageArn ? { servingArn: serving.modelPackageArn } : {}),
        };
      }),
    );
  }

  /** The page's hints; the server checks again with the Deployer when asked to deploy. */
  private gates(version: ModelPackageVersion, stages: StageDeployment[]): Record<Stage, DeployGate> {
    const gate = (stage: Stage): DeployGate => {
      if (version.approvalStatus !== 'Approved') {
        return { allowed: false, reason: `approve version ${version.version} first (it is ${version.approvalStatus})` };
      }
      if (this.operations.get(stage)?.state === 'deploying') {
        return { allowed: false, reason: `a deployment to ${stage} is running` };
      }
      const current = stages.find((s) => s.stage === stage);
      if (current?.status === 'InService' && current.servingVersion === version.version) {
        return { allowed: false, reason: `${stage} serves version ${version.version}` };
      }
      const source = this.options.deployer.promotionSource(stage) as Stage | undefined;
      if (source) {
        const from = stages.find((s) => s.stage === source);
        if (!(from?.status === 'InService' && from.servingVersion === version.version)) {
          return { allowed: false, reason: `deploy version ${version.version} to ${source} first` };
        }
      }
      return { allowed: true, reason: null };
    };
    return { staging: gate('staging'), prod: gate('prod') };
  }
}

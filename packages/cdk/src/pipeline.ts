import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { CfnPipeline } from 'aws-cdk-lib/aws-sagemaker';
import type { PackagedSourceDir, Pipeline, PipelineDefinition } from '@sagemaker-mlops/pipeline-sdk';
import { Construct } from 'constructs';
import { PipelineCodeAsset } from './code-asset.js';
import { PipelineDefinitionLocationError } from './errors.js';
import { grantContainerRuntime } from './container-runtime.js';
import { addExplainedStatement } from './nag.js';
import { grantS3 } from './s3-access.js';
import { type DefinitionStep, passedRoles, sagemakerArn, stepPolicyStatements } from './step-permissions.js';

/** What a pipeline factory gets: the roles and code assets the construct made first. */
export interface PipelineContext {
  /** The role the pipeline's jobs run under (`RoleArn` of processing, training, model steps). */
  readonly jobRoleArn: string;
  /** The code assets, by the names given in `code`. */
  readonly code: Readonly<Record<string, PipelineCodeAsset>>;
  readonly region: string;
  readonly account: string;
}

/** Where the definition goes: inline in the template, an S3 asset, or inline unless it is larger than `s3Threshold`. */
export type PipelineDefinitionLocation = 'auto' | 'inline' | 's3';

export interface SageMakerPipelineProps {
  /** The pipeline, or a function that builds it from the job role and code assets this construct creates. */
  readonly pipeline: Pipeline | ((context: PipelineContext) => Pipeline);
  /** Source folders packaged with pipeline-sdk's `packageSourceDir`, uploaded as CDK assets. */
  readonly code?: Readonly<Record<string, PackagedSourceDir>>;
  /** Buckets the jobs read and write (data lake, model artifacts); the pipeline role reads them for property files. */
  readonly dataBuckets?: readonly IBucket[];
  /** The jobs' role; default: a new role SageMaker assumes, with ECR pull, logs, metrics and `dataBuckets`. */
  readonly jobRole?: IRole;
  /**
   * ECR repositories the default job role pulls images from. Default: the AWS Deep Learning Containers registry
   * (account 763104351884) of the stack's region, where the PyTorch and scikit-learn images live.
   */
  readonly imageRepositoryArns?: readonly string[];
  /** Default `auto`. */
  readonly definitionLocation?: PipelineDefinitionLocation;
  /** Bytes above which `auto` stores the definition as an S3 asset. Default 100 000. */
  readonly s3Threshold?: number;
  /** Accept step types this package has no permission table for (grant them yourself on `role`). */
  readonly allowUnknownStepTypes?: boolean;
  readonly description?: string;
}

/** CloudFormation allows 1 MB for a template and SageMaker 1 MB for an inline definition; stay well below both. */
const DEFAULT_S3_THRESHOLD = 100_000;
const INLINE_LIMIT = 1_000_000;

/**
 * A SageMaker pipeline (`AWS::SageMaker::Pipeline`) from a pipeline-sdk `Pipeline`: its definition is exactly
 * `pipeline.definition()`, inline or as an S3 asset; code folders become CDK assets; the pipeline role may do only
 * what the step types present need, on the resources they use, and pass only the job role.
 */
export class SageMakerPipeline extends Construct {
  readonly pipeline: Pipeline;
  readonly cfnPipeline: CfnPipeline;
  /** The role SageMaker Pipelines runs the pipeline with. */
  readonly role: Role;
  readonly jobRole: IRole;
  readonly code: Readonly<Record<string, PipelineCodeAsset>>;
  /** The definition as deployed (deploy-time values appear as CDK tokens). */
  readonly definition: string;
  readonly definitionLocation: 'inline' | 's3';
  readonly pipelineName: string;
  readonly pipelineArn: string;

  constructor(scope: Construct, id: string, props: SageMakerPipelineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.jobRole = props.jobRole ?? this.defaultJobRole(props.dataBuckets ?? [], props.imageRepositoryArns);
    const code: Record<string, PipelineCodeAsset> = {};
    for (const [name, source] of Object.entries(props.code ?? {})) {
      code[name] = new PipelineCodeAsset(this, `Code-${name}`, { source });
      code[name].grantRead(this.jobRole);
    }
    this.code = code;
    this.pipeline =
      typeof props.pipeline === 'function'
        ? props.pipeline({ jobRoleArn: this.jobRole.roleArn, code, region: stack.region, account: stack.account })
        : props.pipeline;
    this.pipelineName = this.pipeline.name;
    const definitionObject: PipelineDefinition = this.pipeline.definitionObject();
    this.definition = JSON.stringify(definitionObject);

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('sagemaker.amazonaws.com'),
      description: `SageMaker Pipelines role of ${this.pipeline.name}: the steps' own actions and PassRole of the job role`,
    });
    for (const statement of stepPolicyStatements(
      stack,
      definitionObject.Steps as unknown as DefinitionStep[],
      props.allowUnknownStepTypes,
    )) {
      addExplainedStatement(
        this.role,
        statement,
        'Pipeline steps create jobs and model package versions whose names SageMaker assigns at run time (pipelines-<execution>-<step>-<hash>, <group>/<version>); the pattern is scoped to that naming',
      );
    }
    // PassRole of exactly the roles the steps name (the job role when they use it).
    const passed = passedRoles(definitionObject.Steps as unknown as DefinitionStep[]);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: passed.length > 0 ? passed : [this.jobRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    // Condition steps read PropertyFiles (JsonGet) from the jobs' outputs with the pipeline role.
    for (const bucket of props.dataBuckets ?? []) {
      grantS3(
        this.role,
        bucket,
        'read',
        'Property files are written by the jobs under run-specific keys of the data bucket',
      );
    }

    this.definitionLocation = this.chooseLocation(props);
    this.cfnPipeline = new CfnPipeline(this, 'Resource', {
      pipelineName: this.pipeline.name,
      roleArn: this.role.roleArn,
      ...(props.description ? { pipelineDescription: props.description } : {}),
      pipelineDefinition:
        this.definitionLocation === 'inline'
          ? { PipelineDefinitionBody: this.definition }
          : { PipelineDefinitionS3Location: this.definitionAsset() },
    });
    this.cfnPipeline.node.addDependency(this.role);
    this.pipelineArn = sagemakerArn(stack, 'pipeline', this.pipeline.name);
  }

  private chooseLocation(props: SageMakerPipelineProps): 'inline' | 's3' {
    const size = Buffer.byteLength(this.definition);
    const wanted = props.definitionLocation ?? 'auto';
    const location =
      wanted === 'auto' ? (size > (props.s3Threshold ?? DEFAULT_S3_THRESHOLD) ? 's3' : 'inline') : wanted;
    if (location === 'inline' && size > INLINE_LIMIT) {
      throw new PipelineDefinitionLocationError(
        `the definition of ${this.pipeline.name} is ${size} bytes, above the ${INLINE_LIMIT} bytes an inline definition may have: use definitionLocation 's3'`,
      );
    }
    if (location === 's3' && Token.isUnresolved(this.definition)) {
      throw new PipelineDefinitionLocationError(
        `the definition of ${this.pipeline.name} (${size} bytes) holds deploy-time values (role ARNs, asset buckets), which an S3 definition file cannot resolve: build it from literal names, or keep it inline (definitionLocation 'inline', up to ${INLINE_LIMIT} bytes)`,
      );
    }
    return location;
  }

  private definitionAsset(): { Bucket: string; Key: string } {
    const hash = createHash('sha256').update(this.definition).digest('hex');
    const dir = join(tmpdir(), 'sagemaker-mlops-cdk', 'definitions', hash);
    const file = join(dir, `${this.pipeline.name}.json`);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${file}.${process.pid}`, this.definition);
      renameSync(`${file}.${process.pid}`, file);
    }
    const asset = new Asset(this, 'Definition', { path: file });
    // CloudFormation reads the definition with the deploying principal's rights; SageMaker stores a copy.
    return { Bucket: asset.s3BucketName, Key: asset.s3ObjectKey };
  }

  private defaultJobRole(dataBuckets: readonly IBucket[], imageRepositoryArns?: readonly string[]): Role {
    const stack = Stack.of(this);
    const role = new Role(this, 'JobRole', {
      assumedBy: new ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Role of the pipeline jobs: data buckets, code assets, image pull, logs and metrics',
    });
    for (const bucket of dataBuckets) {
      grantS3(
        role,
        bucket,
        'read-write',
        'Jobs read the data set and write outputs under run-specific keys (<pipeline>/<execution>/...)',
      );
    }
    addExplainedStatement(
      role,
      new PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '/aws/sagemaker/*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
      'SageMaker jobs log to /aws/sagemaker/<JobType>/<job name> groups and streams named at run time',
    );
    grantContainerRuntime(role, stack, imageRepositoryArns);
    return role;
  }
}

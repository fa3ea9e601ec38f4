/**
 * The deploy-on-approval Lambda: the MLOps project template's CodePipeline deploy step, without CodePipeline.
 * - An EventBridge "SageMaker Model Package State Change" event (Approved, this group) deploys the version to
 *   DEPLOY_STAGE (staging) through deploy-config's Deployer.
 * - A direct invocation `{ "stage": "prod", "modelPackageArn": "..." }` promotes: the Deployer refuses a version the
 *   promotion source (staging) does not serve InService.
 * Configuration (environment): STAGE_CONFIGS (JSON, stage -> validated stage config), MODEL_EXECUTION_ROLE_ARN,
 * MODEL_PACKAGE_GROUP_NAME, DEPLOY_STAGE, MAX_WAIT_SECONDS.
 */
import { Deployer, parseStageConfig, type StageConfig } from '@sagemaker-mlops/deploy-config';

export interface ModelPackageStateChangeEvent {
  readonly source: 'aws.sagemaker';
  readonly 'detail-type': 'SageMaker Model Package State Change';
  readonly detail: {
    readonly ModelPackageGroupName: string;
    readonly ModelPackageArn: string;
    readonly ModelApprovalStatus: string;
  };
}

export interface PromotionRequest {
  readonly stage: string;
  readonly modelPackageArn: string;
}

export interface DeploymentOutcome {
  readonly stage: string;
  readonly modelPackageArn: string;
  readonly endpointName: string;
  readonly actions: readonly string[];
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

let deployer: Deployer | undefined;

function getDeployer(): Deployer {
  if (deployer) return deployer;
  const raw = JSON.parse(required('STAGE_CONFIGS')) as Record<string, unknown>;
  const stages: Record<string, StageConfig> = {};
  for (const [stage, config] of Object.entries(raw)) stages[stage] = parseStageConfig(config);
  deployer = new Deployer({
    stages,
    executionRoleArn: required('MODEL_EXECUTION_ROLE_ARN'),
    timeoutMs: Number(process.env.MAX_WAIT_SECONDS ?? 840) * 1000,
    onProgress: (event) => console.log(JSON.stringify({ level: 'info', ...event })),
    log: (line) => console.log(JSON.stringify({ level: 'info', message: line })),
  });
  return deployer;
}

/** Which stage and version an event asks for. */
export function requestOf(event: unknown): PromotionRequest {
  const e = event as Partial<ModelPackageStateChangeEvent> & Partial<PromotionRequest>;
  if (e['detail-type'] === 'SageMaker Model Package State Change' && e.detail) {
    const group = required('MODEL_PACKAGE_GROUP_NAME');
    if (e.detail.ModelPackageGroupName !== group || e.detail.ModelApprovalStatus !== 'Approved') {
      throw new Error(
        `event for group ${e.detail.ModelPackageGroupName} (${e.detail.ModelApprovalStatus}) does not match this function's rule (group ${group}, Approved)`,
      );
    }
    return { stage: required('DEPLOY_STAGE'), modelPackageArn: e.detail.ModelPackageArn };
  }
  if (typeof e.stage === 'string' && typeof e.modelPackageArn === 'string') {
    return { stage: e.stage, modelPackageArn: e.modelPackageArn };
  }
  throw new Error(
    'expected a "SageMaker Model Package State Change" event or {"stage": "prod", "modelPackageArn": "arn:aws:sagemaker:..."}',
  );
}

export async function handler(event: unknown): Promise<DeploymentOutcome> {
  const request = requestOf(event);
  const result = await getDeployer().deploy(request.stage, { modelPackage: request.modelPackageArn });
  const outcome = {
    stage: request.stage,
    modelPackageArn: request.modelPackageArn,
    endpointName: result.plan.endpointName,
    actions: result.plan.actions.map((a) => `${a.action} ${a.resource} ${a.name}`),
  };
  console.log(JSON.stringify({ level: 'info', message: 'deployed', ...outcome }));
  return outcome;
}

import { Arn, ArnFormat, type Stack, Token } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { UnsupportedStepTypeError } from './errors.js';

/** A step of a compiled definition: what its permissions depend on. */
export interface DefinitionStep {
  readonly Name: string;
  readonly Type: string;
  readonly Arguments?: unknown;
}

/** Every step of a compiled definition, including those nested in condition branches. */
export function definitionSteps(steps: readonly DefinitionStep[]): DefinitionStep[] {
  const out: DefinitionStep[] = [];
  const visit = (list: readonly DefinitionStep[]) => {
    for (const step of list) {
      out.push(step);
      if (step.Type === 'Condition') {
        const args = (step.Arguments ?? {}) as { IfSteps?: DefinitionStep[]; ElseSteps?: DefinitionStep[] };
        visit(args.IfSteps ?? []);
        visit(args.ElseSteps ?? []);
      }
    }
  };
  visit(steps);
  return out;
}

/** SageMaker names jobs that pipelines start `pipelines-<execution id>-<step>-<hash>`. */
const PIPELINE_JOB = 'pipelines-*';

interface JobKind {
  readonly resource: string;
  readonly actions: readonly string[];
}

const PROCESSING: JobKind = {
  resource: 'processing-job',
  actions: ['CreateProcessingJob', 'DescribeProcessingJob', 'StopProcessingJob', 'AddTags'],
};
const TRAINING: JobKind = {
  resource: 'training-job',
  actions: ['CreateTrainingJob', 'DescribeTrainingJob', 'StopTrainingJob', 'AddTags'],
};

/** Step types whose jobs SageMaker Pipelines starts with the pipeline role. */
const JOB_STEPS: Readonly<Record<string, readonly JobKind[]>> = {
  Processing: [PROCESSING],
  QualityCheck: [PROCESSING],
  ClarifyCheck: [PROCESSING],
  Training: [TRAINING],
  NotebookJob: [TRAINING],
  Tuning: [
    {
      resource: 'hyper-parameter-tuning-job',
      actions: [
        'CreateHyperParameterTuningJob',
        'DescribeHyperParameterTuningJob',
        'StopHyperParameterTuningJob',
        'ListTrainingJobsForHyperParameterTuningJob',
        'AddTags',
      ],
    },
    { resource: 'training-job', actions: ['DescribeTrainingJob'] },
  ],
  Transform: [
    {
      resource: 'transform-job',
      actions: ['CreateTransformJob', 'DescribeTransformJob', 'StopTransformJob', 'AddTags'],
    },
  ],
  AutoML: [
    { resource: 'automl-job', actions: ['CreateAutoMLJobV2', 'DescribeAutoMLJobV2', 'StopAutoMLJob', 'AddTags'] },
  ],
  Model: [{ resource: 'model', actions: ['CreateModel', 'DescribeModel', 'AddTags'] }],
  EndpointConfig: [{ resource: 'endpoint-config', actions: ['CreateEndpointConfig', 'AddTags'] }],
  Endpoint: [{ resource: 'endpoint', actions: ['CreateEndpoint', 'UpdateEndpoint', 'DescribeEndpoint', 'AddTags'] }],
};

/** Step types that call nothing. */
const NO_PERMISSION_STEPS = new Set(['Condition', 'Fail']);

/** SageMaker ARNs hold resource names in lower case. */
function lowerName(name: string): string {
  return Token.isUnresolved(name) ? name : name.toLowerCase();
}

export function sagemakerArn(stack: Stack, resource: string, name: string): string {
  return stack.formatArn({ service: 'sagemaker', resource, resourceName: lowerName(name) });
}

/**
 * The pipeline role's statements for the steps present, each scoped to the resources of its step type: jobs named
 * as pipelines name them, the model package group a RegisterModel step names, the function a Lambda step calls, the
 * queue a Callback step sends to, the cluster of an EMR step. Throws `UnsupportedStepTypeError` for a type this
 * table does not know, unless `allowUnknown`.
 */
export function stepPolicyStatements(stack: Stack, steps: readonly DefinitionStep[], allowUnknown = false) {
  const byResource = new Map<string, Set<string>>();
  const add = (resourceArn: string, actions: readonly string[]) => {
    const set = byResource.get(resourceArn) ?? new Set<string>();
    for (const action of actions) set.add(action);
    byResource.set(resourceArn, set);
  };
  for (const step of definitionSteps(steps)) {
    const args = (step.Arguments ?? {}) as Record<string, unknown>;
    const jobs = JOB_STEPS[step.Type];
    if (jobs) {
      for (const job of jobs)
        add(
          sagemakerArn(stack, job.resource, PIPELINE_JOB),
          job.actions.map((a) => `sagemaker:${a}`),
        );
    } else if (step.Type === 'RegisterModel') {
      // The Python SDK's RegisterModel step compiles to one CreateModelPackage request per step.
      const group = typeof args.ModelPackageGroupName === 'string' ? args.ModelPackageGroupName : '*';
      add(sagemakerArn(stack, 'model-package-group', group), ['sagemaker:DescribeModelPackageGroup']);
      add(sagemakerArn(stack, 'model-package', `${lowerName(group)}/*`), [
        'sagemaker:CreateModelPackage',
        'sagemaker:DescribeModelPackage',
        'sagemaker:AddTags',
      ]);
    } else if (step.Type === 'Lambda') {
      const fn = (step as { FunctionArn?: unknown }).FunctionArn;
      add(
        typeof fn === 'string'
          ? fn
          : stack.formatArn({
              service: 'lambda',
              resource: 'function',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
        ['lambda:InvokeFunction'],
      );
    } else if (step.Type === 'Callback') {
      add(sqsArnOfUrl(stack, (step as { SqsQueueUrl?: unknown }).SqsQueueUrl), ['sqs:SendMessage']);
    } else if (step.Type === 'EMR') {
      const cluster = typeof args.ClusterId === 'string' ? args.ClusterId : '*';
      add(stack.formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: cluster }), [
        'elasticmapreduce:AddJobFlowSteps',
        'elasticmapreduce:DescribeStep',
        'elasticmapreduce:CancelSteps',
        'elasticmapreduce:ListSteps',
      ]);
    } else if (!NO_PERMISSION_STEPS.has(step.Type) && !allowUnknown) {
      throw new UnsupportedStepTypeError(step.Name, step.Type);
    }
  }
  return [...byResource.entries()].map(
    ([resource, actions]) => new PolicyStatement({ actions: [...actions].sort(), resources: [resource] }),
  );
}

function sqsArnOfUrl(stack: Stack, url: unknown): string {
  // https://sqs.<region>.amazonaws.com/<account>/<queue>
  const match = typeof url === 'string' ? /^https:\/\/sqs\.([a-z0-9-]+)\.[^/]+\/(\d{12})\/([^/]+)$/.exec(url) : null;
  if (!match) return stack.formatArn({ service: 'sqs', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME });
  return Arn.format({
    service: 'sqs',
    region: match[1],
    account: match[2],
    resource: match[3] ?? '*',
    partition: stack.partition,
  });
}

/**
 * The roles the steps hand to SageMaker (`RoleArn` of jobs, `ExecutionRoleArn` of models), as written in the
 * definition: what the pipeline role must be allowed to pass. Pipeline expressions (objects) are skipped.
 */
export function passedRoles(steps: readonly DefinitionStep[]): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if ((key === 'RoleArn' || key === 'ExecutionRoleArn') && typeof inner === 'string') found.add(inner);
        else visit(inner);
      }
    }
  };
  for (const step of definitionSteps(steps)) {
    if (step.Type !== 'Condition') visit(step.Arguments);
  }
  return [...found];
}

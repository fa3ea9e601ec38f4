// What the Python SDK's ScriptProcessor.run / Estimator.fit fill in by default, written out once so
// each twin states the same request the Python reference produces (see ../pipelines/_common.py).
import type { ProcessingInstanceType } from '@aws-sdk/client-sagemaker';
import {
  ExecutionVariables,
  Join,
  type PipelineExpression,
  type ProcessingStepArguments,
  type TrainingStepArguments,
} from '../../../src/index.js';

export const BUCKET = 'parity-bucket';
export const REGION = 'us-east-1';
export const ROLE = 'arn:aws:iam::123456789012:role/SageMakerRole';
export const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/parity:latest';

type Str = string | PipelineExpression<string>;
type Num = number | PipelineExpression<number>;

/** A ProcessingInput as `ProcessingInput(source, destination, input_name)` writes it. */
export function processingInput<N extends string>(
  name: N,
  source: Str,
  destination: string,
  distribution: 'FullyReplicated' | 'ShardedByS3Key' = 'FullyReplicated',
) {
  return {
    InputName: name,
    AppManaged: false,
    S3Input: {
      S3Uri: source,
      LocalPath: destination,
      S3DataType: 'S3Prefix' as const,
      S3InputMode: 'File' as const,
      S3DataDistributionType: distribution,
      S3CompressionType: 'None' as const,
    },
  };
}

/** The output URI the Python SDK generates inside a pipeline: s3://<bucket>/<pipeline>/<execution id>/<step>/output/<name>. */
export function defaultOutputUri(pipelineName: string, stepName: string, outputName: string): Join {
  return new Join({
    on: '/',
    values: ['s3:/', BUCKET, pipelineName, ExecutionVariables.PIPELINE_EXECUTION_ID, stepName, 'output', outputName],
  });
}

export function processingOutput<N extends string>(
  name: N,
  source: string,
  destination: Str,
  uploadMode: 'EndOfJob' | 'Continuous' = 'EndOfJob',
) {
  return {
    OutputName: name,
    AppManaged: false,
    S3Output: { S3Uri: destination, LocalPath: source, S3UploadMode: uploadMode },
  };
}

export interface ScriptOptions<Out extends string, In extends string> {
  pipelineName: string;
  stepName: string;
  code: string;
  image?: string;
  instanceType?: ProcessingInstanceType | PipelineExpression<string>;
  instanceCount?: Num;
  volumeSizeInGB?: number;
  outputs?: readonly Out[];
  inputs?: ReturnType<typeof processingInput<In>>[];
  env?: Record<string, Str>;
  arguments?: Str[];
}

/** `ScriptProcessor(command=["python3"]).run(code="s3://...")` as the Python SDK compiles it. */
export function scriptStepArgs<const Out extends string = never, const In extends string = never>(
  o: ScriptOptions<Out, In>,
): ProcessingStepArguments<Out, In | 'code'> {
  const file = o.code.split('/').pop()!;
  const args: ProcessingStepArguments<Out, In | 'code'> = {
    ProcessingResources: {
      ClusterConfig: {
        InstanceType: o.instanceType ?? 'ml.m5.large',
        InstanceCount: o.instanceCount ?? 1,
        VolumeSizeInGB: o.volumeSizeInGB ?? 30,
      },
    },
    AppSpecification: {
      ImageUri: o.image ?? IMAGE,
      ...(o.arguments ? { ContainerArguments: o.arguments } : {}),
      ContainerEntrypoint: ['python3', `/opt/ml/processing/input/code/${file}`],
    },
    RoleArn: ROLE,
    ProcessingInputs: [
      ...(o.inputs ?? []),
      processingInput('code', `s3://${BUCKET}/code/${o.code}`, '/opt/ml/processing/input/code'),
    ],
  };
  if (o.outputs && o.outputs.length > 0) {
    args.ProcessingOutputConfig = {
      Outputs: o.outputs.map((name) =>
        processingOutput(name, `/opt/ml/processing/${name}`, defaultOutputUri(o.pipelineName, o.stepName, name)),
      ),
    };
  }
  if (o.env) args.Environment = o.env;
  return args;
}

/** Debugger/profiler configuration the Python Estimator adds for an output path. */
export function debuggerDefaults(outputPath: string, disableProfiler = false) {
  return {
    DebugHookConfig: { S3OutputPath: outputPath, CollectionConfigurations: [] },
    ProfilerConfig: disableProfiler ? { DisableProfiler: true } : { S3OutputPath: outputPath, DisableProfiler: false },
  } satisfies Partial<TrainingStepArguments>;
}

/** A `TrainingInput(s3_data=...)` channel. */
export function channel(
  name: string,
  uri: Str,
  extra: { ContentType?: string; distribution?: 'FullyReplicated' | 'ShardedByS3Key' } = {},
) {
  return {
    DataSource: {
      S3DataSource: {
        S3DataType: 'S3Prefix' as const,
        S3Uri: uri,
        S3DataDistributionType: extra.distribution ?? 'FullyReplicated',
      },
    },
    ...(extra.ContentType ? { ContentType: extra.ContentType } : {}),
    ChannelName: name,
  };
}

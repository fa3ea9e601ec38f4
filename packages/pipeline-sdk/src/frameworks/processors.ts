import type { ProcessingInstanceType } from '@aws-sdk/client-sagemaker';
import { PROCESSING_CODE_PATH, type UploadedProcessingCode, type UploadedSourceDir } from '../assets/index.js';
import { isExpression, type PipelineExpression } from '../core/expressions.js';
import { ProcessingStep, type ProcessingStepArguments, type ProcessingStepOptions } from '../core/steps.js';
import { FrameworkConfigError } from './errors.js';
import type { PipelineSession } from './session.js';

type Str = string | PipelineExpression<string>;
type Num = number | PipelineExpression<number>;
/** Names the Python SDK gives unnamed inputs and outputs (`input-1`, `output-1`, ...). */
type Unnamed<Kind extends string> = `${Kind}-${number}`;

/** The Python SDK's `ProcessingInput(source, destination, input_name, ...)`; `source` is an S3 URI or an expression. */
export interface ProcessingInputOptions<Name extends string = string> {
  readonly source: Str;
  readonly destination: string;
  /** Default `input-<n>` (n counts from 1 over the inputs), as the Python SDK names them. */
  readonly inputName?: Name;
  readonly s3DataType?: 'S3Prefix' | 'ManifestFile';
  readonly s3InputMode?: 'File' | 'Pipe';
  readonly s3DataDistributionType?: 'FullyReplicated' | 'ShardedByS3Key';
  readonly s3CompressionType?: 'None' | 'Gzip';
}

/**
 * The Python SDK's `ProcessingOutput(source, destination, output_name, ...)`. Without `destination`, the output
 * goes to the session's default: `s3://<bucket>/<pipeline>/<execution id>/<step>/output/<name>`.
 */
export interface ProcessingOutputOptions<Name extends string = string> {
  readonly source: string;
  readonly destination?: Str;
  /** Default `output-<n>`. */
  readonly outputName?: Name;
  readonly s3UploadMode?: 'EndOfJob' | 'Continuous';
}

/** A `ProcessingInputs` entry written as the Python SDK writes it (all S3Input defaults spelled out). */
export function processingInput<const Name extends string>(
  options: ProcessingInputOptions<Name> & { inputName: Name },
) {
  const { source, destination } = options;
  if (typeof source === 'string' && !/^s3:\/\//.test(source)) {
    throw new FrameworkConfigError(
      `ProcessingInput source '${source}' is not an S3 URI: upload local files first (uploadProcessingCode / uploadSourceDir) and pass their s3Uri`,
    );
  }
  if (!destination.startsWith('/')) {
    throw new FrameworkConfigError(`ProcessingInput destination '${destination}' must be an absolute container path`);
  }
  return {
    InputName: options.inputName,
    AppManaged: false,
    S3Input: {
      S3Uri: source,
      LocalPath: destination,
      S3DataType: options.s3DataType ?? ('S3Prefix' as const),
      S3InputMode: options.s3InputMode ?? ('File' as const),
      S3DataDistributionType: options.s3DataDistributionType ?? ('FullyReplicated' as const),
      S3CompressionType: options.s3CompressionType ?? ('None' as const),
    },
  };
}

/** A `ProcessingOutputConfig.Outputs` entry written as the Python SDK writes it. */
export function processingOutput<const Name extends string>(
  options: ProcessingOutputOptions<Name> & { outputName: Name; destination: Str },
) {
  if (!options.source.startsWith('/')) {
    throw new FrameworkConfigError(`ProcessingOutput source '${options.source}' must be an absolute container path`);
  }
  return {
    OutputName: options.outputName,
    AppManaged: false,
    S3Output: {
      S3Uri: options.destination,
      LocalPath: options.source,
      S3UploadMode: options.s3UploadMode ?? ('EndOfJob' as const),
    },
  };
}

/** What every processor takes, as the Python SDK's `Processor` constructor. */
export interface ProcessorOptions<Env extends string = string> {
  readonly session: PipelineSession;
  readonly role: string;
  readonly instanceType: ProcessingInstanceType | PipelineExpression<string>;
  /** Default 1. */
  readonly instanceCount?: Num;
  /** Default 30, the Python SDK's default. */
  readonly volumeSizeInGB?: Num;
  readonly maxRuntimeInSeconds?: Num;
  readonly env?: { readonly [K in Env]: Str };
  readonly volumeKmsKey?: string;
  readonly outputKmsKey?: string;
  /** Job-name prefix; kept in the definition only with `new Pipeline({ useCustomJobPrefix: true })`. */
  readonly baseJobName?: string;
}

/** Options of one run: the step it becomes, its inputs and outputs, container arguments. */
export interface ProcessorRunOptions<Out extends string, In extends string>
  extends Omit<ProcessingStepOptions<Out, In>, 'arguments'> {
  readonly inputs?: readonly ProcessingInputOptions<In>[];
  readonly outputs?: readonly ProcessingOutputOptions<Out>[];
  readonly arguments?: readonly Str[];
}

abstract class BaseProcessor<Env extends string> {
  constructor(protected readonly options: ProcessorOptions<Env>) {
    if (typeof options.role !== 'string' || options.role.length === 0) {
      throw new FrameworkConfigError('a processor needs a role (an IAM role ARN SageMaker assumes for the job)');
    }
  }

  protected request<Out extends string, In extends string>(
    stepName: string,
    run: ProcessorRunOptions<Out, In>,
    imageUri: Str,
    entrypoint: string[],
    extraInputs: ReturnType<typeof processingInput>[],
  ): ProcessingStepArguments<Out, In, Env> {
    const o = this.options;
    const inputs = (run.inputs ?? []).map((input, i) =>
      processingInput({ ...input, inputName: input.inputName ?? (`input-${i + 1}` as In) }),
    );
    const outputs = (run.outputs ?? []).map((output, i) => {
      const outputName = output.outputName ?? (`output-${i + 1}` as Out);
      return processingOutput({
        ...output,
        outputName,
        destination: output.destination ?? o.session.defaultOutputUri(stepName, outputName),
      });
    });
    const args: ProcessingStepArguments<Out, In, Env> = {
      ...(o.baseJobName === undefined ? {} : { ProcessingJobName: o.baseJobName }),
      ProcessingResources: {
        ClusterConfig: {
          InstanceType: o.instanceType,
          InstanceCount: o.instanceCount ?? 1,
          VolumeSizeInGB: o.volumeSizeInGB ?? 30,
          ...(o.volumeKmsKey === undefined ? {} : { VolumeKmsKeyId: o.volumeKmsKey }),
        },
      },
      AppSpecification: {
        ImageUri: imageUri,
        ...(run.arguments === undefined ? {} : { ContainerArguments: [...run.arguments] }),
        ContainerEntrypoint: entrypoint,
      },
      RoleArn: o.role,
      ProcessingInputs: [...inputs, ...(extraInputs as typeof inputs)],
    };
    if (outputs.length > 0) {
      args.ProcessingOutputConfig = {
        Outputs: outputs,
        ...(o.outputKmsKey === undefined ? {} : { KmsKeyId: o.outputKmsKey }),
      };
    }
    if (o.env !== undefined) args.Environment = { ...o.env };
    if (o.maxRuntimeInSeconds !== undefined) args.StoppingCondition = { MaxRuntimeInSeconds: o.maxRuntimeInSeconds };
    return args;
  }

  protected stepOptions<Out extends string, In extends string>(run: ProcessorRunOptions<Out, In>) {
    const {
      inputs: _i,
      outputs: _o,
      arguments: _a,
      code: _c,
      sourceDir: _s,
      ...step
    } = run as ProcessorRunOptions<Out, In> & { code?: unknown; sourceDir?: unknown };
    return step;
  }
}

export interface ScriptProcessorOptions<Env extends string> extends ProcessorOptions<Env> {
  readonly imageUri: Str;
  /**
   * The interpreter, e.g. `['python3']`; the entrypoint is the command followed by the script's container path.
   * A function gives the whole entrypoint from that path instead (for a wrapper, e.g. one that installs
   * requirements first).
   */
  readonly command: readonly string[] | ((scriptPath: string) => string[]);
}

export interface ScriptRunOptions<Out extends string, In extends string> extends ProcessorRunOptions<Out, In> {
  /** The script: an S3 URI of one file, or a folder uploaded with `uploadProcessingCode`. */
  readonly code: string | Pick<UploadedProcessingCode, 's3Uri' | 'entryPoint'>;
}

/**
 * The Python SDK's `ScriptProcessor`: runs one script in an image. `step()` writes the ProcessingStep exactly as
 * `ProcessingStep(name, step_args=processor.run(code, inputs, outputs, arguments))` does.
 */
export class ScriptProcessor<const Env extends string = string> extends BaseProcessor<Env> {
  constructor(protected override readonly options: ScriptProcessorOptions<Env>) {
    super(options);
    if (options.command.length === 0)
      throw new FrameworkConfigError("ScriptProcessor needs a command, e.g. ['python3']");
  }

  /** The CreateProcessingJob arguments of one run. */
  run<const Out extends string = never, const In extends string = never>(
    stepName: string,
    run: ScriptRunOptions<Out, In>,
  ): ProcessingStepArguments<Out | Unnamed<'output'>, In | Unnamed<'input'> | 'code', Env> {
    const { source, script } = scriptSource(run.code);
    const codeInput = processingInput({ source, destination: PROCESSING_CODE_PATH, inputName: 'code' });
    return this.request<Out | Unnamed<'output'>, In | Unnamed<'input'> | 'code'>(
      stepName,
      run as ProcessorRunOptions<Out | Unnamed<'output'>, In | Unnamed<'input'> | 'code'>,
      this.options.imageUri,
      typeof this.options.command === 'function'
        ? this.options.command(`${PROCESSING_CODE_PATH}/${script}`)
        : [...this.options.command, `${PROCESSING_CODE_PATH}/${script}`],
      [codeInput],
    );
  }

  step<const Out extends string = never, const In extends string = never>(
    run: ScriptRunOptions<Out, In>,
  ): ProcessingStep<Out | Unnamed<'output'>, In | Unnamed<'input'> | 'code', Env> {
    return new ProcessingStep<Out | Unnamed<'output'>, In | Unnamed<'input'> | 'code', Env>({
      ...this.stepOptions(run),
      arguments: this.run(run.name, run),
    });
  }
}

function scriptSource(code: string | Pick<UploadedProcessingCode, 's3Uri' | 'entryPoint'>): {
  source: string;
  script: string;
} {
  if (typeof code !== 'string') return { source: code.s3Uri, script: code.entryPoint };
  if (!code.startsWith('s3://') || code.endsWith('/')) {
    throw new FrameworkConfigError(
      `code '${code}' is not the S3 URI of a script: upload it first (uploadProcessingCode) or give s3://bucket/key.py`,
    );
  }
  return { source: code, script: code.slice(code.lastIndexOf('/') + 1) };
}

export interface FrameworkProcessorOptions<Env extends string> extends ProcessorOptions<Env> {
  /** The framework image (e.g. from `pytorchImageUri({ scope: 'training', ... })`). */
  readonly imageUri: Str;
  /** Runs the script inside runproc.sh; default `['python']`, as the Python SDK's FrameworkProcessor. */
  readonly command?: readonly string[];
}

export interface FrameworkRunOptions<Out extends string, In extends string> extends ProcessorRunOptions<Out, In> {
  /** The script, relative to the source folder. */
  readonly code: string;
  /** The source folder as `sourcedir.tar.gz` in S3: an S3 URI ending in `/sourcedir.tar.gz`, or `uploadSourceDir`'s result. */
  readonly sourceDir: string | Pick<UploadedSourceDir, 's3Uri'>;
}

/** The Python SDK's runproc.sh (FrameworkProcessor._generate_framework_script), byte for byte: its hash names the S3 key. */
export function frameworkRunprocScript(command: readonly string[], script: string): string {
  return `#!/bin/bash

cd /opt/ml/processing/input/code/
tar -xzf sourcedir.tar.gz

# Exit on any error. SageMaker uses error code to mark failed job.
set -e

if [[ -f 'requirements.txt' ]]; then
    # Optionally log into CodeArtifact
    if ! hash aws 2>/dev/null; then
        echo "AWS CLI is not installed. Skipping CodeArtifact login."
    else
        echo 'CodeArtifact repository not specified. Skipping login.'
    fi

    # Some py3 containers has typing, which may breaks pip install
    pip uninstall --yes typing

    python -m pip install -r requirements.txt
fi

${command.join(' ')} ${script} "$@"
`;
}

/**
 * The Python SDK's `FrameworkProcessor` (PyTorchProcessor, ...): unpacks a source folder in the container and
 * runs a script from it through a generated runproc.sh, which is recorded in the session under its content hash
 * (`session.uploadAssets()` uploads it).
 */
export class FrameworkProcessor<const Env extends string = string> extends BaseProcessor<Env> {
  constructor(protected override readonly options: FrameworkProcessorOptions<Env>) {
    super(options);
  }

  run<const Out extends string = never, const In extends string = never>(
    stepName: string,
    run: FrameworkRunOptions<Out, In>,
  ): ProcessingStepArguments<Out | Unnamed<'output'>, In | Unnamed<'input'> | 'code' | 'entrypoint', Env> {
    const sourceDir = typeof run.sourceDir === 'string' ? run.sourceDir : run.sourceDir.s3Uri;
    if (!/^s3:\/\/.+\/sourcedir\.tar\.gz$/.test(sourceDir)) {
      throw new FrameworkConfigError(
        `sourceDir '${sourceDir}' must be an S3 URI of a file named sourcedir.tar.gz (uploadSourceDir makes one)`,
      );
    }
    if (run.code.length === 0 || run.code.startsWith('/') || isExpression(run.code)) {
      throw new FrameworkConfigError(`code '${run.code}' must be a script path relative to the source folder`);
    }
    const runproc = this.options.session.addCodeAsset(
      'runproc.sh',
      frameworkRunprocScript(this.options.command ?? ['python'], run.code),
    );
    return this.request<Out | Unnamed<'output'>, In | Unnamed<'input'> | 'code' | 'entrypoint'>(
      stepName,
      run as ProcessorRunOptions<Out | Unnamed<'output'>, In | Unnamed<'input'> | 'code' | 'entrypoint'>,
      this.options.imageUri,
      ['/bin/bash', '/opt/ml/processing/input/entrypoint/runproc.sh'],
      [
        processingInput({ source: sourceDir, destination: `${PROCESSING_CODE_PATH}/`, inputName: 'code' }),
        processingInput({
          source: runproc,
          destination: '/opt/ml/processing/input/entrypoint',
          inputName: 'entrypoint',
        }),
      ],
    );
  }

  step<const Out extends string = never, const In extends string = never>(
    run: FrameworkRunOptions<Out, In>,
  ): ProcessingStep<Out | Unnamed<'output'>, In | Unnamed<'input'> | 'code' | 'entrypoint', Env> {
    return new ProcessingStep<Out | Unnamed<'output'>, In | Unnamed<'input'> | 'code' | 'entrypoint', Env>({
      ...this.stepOptions(run),
      arguments: this.run(run.name, run),
    });
  }
}

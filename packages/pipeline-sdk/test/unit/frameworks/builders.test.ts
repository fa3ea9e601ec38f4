import { describe, expect, it } from 'vitest';
import {
  FrameworkConfigError,
  Model,
  ParameterInteger,
  Pipeline,
  PipelineSession,
  PyTorchEstimator,
  RetryPolicyError,
  ScriptProcessor,
} from '../../../src/index.js';

const session = new PipelineSession({ pipelineName: 'P', defaultBucket: 'b', region: 'us-east-1' });
const role = 'arn:aws:iam::123456789012:role/R';

describe('job builders', () => {
  it('names inputs and outputs input-<n>/output-<n> when not named, and defaults outputs under the pipeline run', () => {
    const processor = new ScriptProcessor({
      session,
      imageUri: 'i',
      command: ['python3'],
      role,
      instanceType: 'ml.m5.large',
    });
    const step = processor.step({
      name: 'S',
      code: 's3://b/code/s.py',
      inputs: [{ source: 's3://b/in', destination: '/opt/ml/processing/in' }],
      outputs: [{ source: '/opt/ml/processing/out' }],
    });
    const args = new Pipeline({ name: 'P', steps: [step] }).definitionObject().Steps[0]?.Arguments as {
      ProcessingInputs: { InputName: string }[];
      ProcessingOutputConfig: { Outputs: { OutputName: string; S3Output: { S3Uri: unknown } }[] };
      AppSpecification: { ContainerEntrypoint: string[] };
    };
    expect(args.ProcessingInputs.map((i) => i.InputName)).toEqual(['input-1', 'code']);
    expect(args.ProcessingOutputConfig.Outputs[0]?.OutputName).toBe('output-1');
    expect(args.ProcessingOutputConfig.Outputs[0]?.S3Output.S3Uri).toEqual({
      'Std:Join': {
        On: '/',
        Values: ['s3:/', 'b', 'P', { Get: 'Execution.PipelineExecutionId' }, 'S', 'output', 'output-1'],
      },
    });
    expect(args.AppSpecification.ContainerEntrypoint).toEqual(['python3', '/opt/ml/processing/input/code/s.py']);
  });

  it('refuses local paths where S3 URIs are needed, saying how to upload', () => {
    const processor = new ScriptProcessor({
      session,
      imageUri: 'i',
      command: ['python3'],
      role,
      instanceType: 'ml.m5.large',
    });
    expect(() => processor.step({ name: 'S', code: './s.py' })).toThrow(/uploadProcessingCode/);
    expect(() =>
      processor.step({ name: 'S', code: 's3://b/s.py', inputs: [{ source: './data', destination: '/d' }] }),
    ).toThrow(FrameworkConfigError);
  });

  it('checks spot options and keeps parameter hyperparameters as expressions', () => {
    const base = {
      session,
      role,
      entryPoint: 'train.py',
      sourceDir: 's3://b/sourcedir.tar.gz',
      frameworkVersion: '2.3.0',
      pythonVersion: 'py311',
      instanceType: 'ml.m5.xlarge',
    };
    expect(() => new PyTorchEstimator({ ...base, useSpotInstances: true })).toThrow(/maxWait/);
    const epochs = new ParameterInteger({ name: 'Epochs', defaultValue: 1 });
    const args = new PyTorchEstimator({ ...base, hyperparameters: { epochs, name: 'x' } }).fit({ train: 's3://b/t' });
    expect(JSON.parse(JSON.stringify(args.HyperParameters))).toMatchObject({
      epochs: { 'Std:Join': { On: '', Values: [{ Get: 'Parameters.Epochs' }] } },
      name: '"x"',
      sagemaker_program: '"train.py"',
    });
    expect(args.DebugHookConfig).toEqual({ S3OutputPath: 's3://b/', CollectionConfigurations: [] });
  });

  it('names model steps as ModelStep does and refuses SageMaker.* retries on them', () => {
    const model = new Model({ imageUri: 'i', modelData: 's3://b/m.tar.gz', role });
    expect(model.createStep({ name: 'M' }).name).toBe('M-CreateModel');
    expect(
      model.registerStep({ name: 'M', modelPackageGroupName: 'g', contentTypes: [], responseTypes: [] }).name,
    ).toBe('M-RegisterModel');
    expect(() =>
      model.createStep({
        name: 'M',
        retryPolicies: [{ exceptionTypes: ['SageMaker.RESOURCE_LIMIT'], maxAttempts: 2 }],
      }),
    ).toThrow(RetryPolicyError);
  });
});

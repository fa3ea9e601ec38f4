import { describe, expect, it } from 'vitest';
import {
  DistributionConfigError,
  FrameworkConfigError,
  MetricDefinitionError,
  SpotTrainingConfigError,
  UnsupportedFrameworkImageError,
  encodeHyperParameters,
  managedSpotTraining,
  metricDefinitions,
  pythonJsonDumps,
  pytorchDistributionHyperParameters,
  pytorchImageUri,
  pytorchImageVersions,
  pytorchModelContainer,
  pytorchTrainingJob,
  resolvePyTorchVersion,
} from '../../../src/frameworks/pytorch/index.js';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('pytorchImageUri', () => {
  it('builds training, processing and inference URIs by region, version, Python version and processor', () => {
    const base = { region: 'us-east-1', frameworkVersion: '2.5', pythonVersion: 'py311' } as const;
    expect(pytorchImageUri({ ...base, scope: 'training', instanceType: 'ml.g5.xlarge' })).toBe(
      '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5-gpu-py311',
    );
    // Processing jobs run the training image (PyTorchProcessor).
    expect(pytorchImageUri({ ...base, scope: 'processing', instanceType: 'ml.m5.xlarge' })).toBe(
      '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5-cpu-py311',
    );
    expect(pytorchImageUri({ ...base, frameworkVersion: '2.5.1', scope: 'inference', processor: 'cpu' })).toBe(
      '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.5.1-cpu-py311',
    );
    expect(
      pytorchImageUri({ ...base, region: 'cn-northwest-1', scope: 'inference', instanceType: 'ml.p4d.24xlarge' }),
    ).toBe('727897471807.dkr.ecr.cn-northwest-1.amazonaws.com.cn/pytorch-inference:2.5-gpu-py311');
    // Graviton instances get the Graviton inference image with its OS tag.
    expect(
      pytorchImageUri({
        region: 'eu-west-1',
        frameworkVersion: '2.4',
        scope: 'inference',
        instanceType: 'ml.c7g.2xlarge',
      }),
    ).toBe(
      '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference-graviton:2.4-cpu-py311-ubuntu22.04-sagemaker',
    );
    // A version with one Python version needs none; local mode instance types work.
    expect(
      pytorchImageUri({ region: 'us-west-2', frameworkVersion: '2.8', scope: 'training', instanceType: 'local_gpu' }),
    ).toBe('763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:2.8-gpu-py312');
  });

  it('lists what exists when the version, Python version or region is unknown', () => {
    const version = thrown(() =>
      pytorchImageUri({
        region: 'us-east-1',
        frameworkVersion: '3.0',
        scope: 'training',
        instanceType: 'ml.g5.xlarge',
      }),
    );
    expect(version).toBeInstanceOf(UnsupportedFrameworkImageError);
    expect(version).toMatchObject({ field: 'frameworkVersion', value: '3.0' });
    expect(version.message).toMatch(
      /^PyTorch training images: unsupported frameworkVersion '3.0'. Supported: 0.4, 0.4.0, 1.0, 1.0.0, .*, 2.5, 2.5.1, .*2.8, 2.8.0$/,
    );

    const py = thrown(() =>
      pytorchImageUri({
        region: 'us-east-1',
        frameworkVersion: '2.0',
        pythonVersion: 'py39',
        scope: 'training',
        processor: 'gpu',
      }),
    );
    expect(py.message).toBe("PyTorch training images 2.0: unsupported pythonVersion 'py39'. Supported: py310");

    const needsPy = thrown(() =>
      pytorchImageUri({ region: 'us-east-1', frameworkVersion: '1.8', scope: 'training', processor: 'gpu' }),
    );
    expect(needsPy.message).toBe(
      "PyTorch training images 1.8: give pythonVersion: unsupported pythonVersion 'undefined'. Supported: py3, py36",
    );

    const region = thrown(() =>
      pytorchImageUri({ region: 'mars-north-1', frameworkVersion: '2.5', scope: 'inference', processor: 'cpu' }),
    );
    expect(region).toMatchObject({ field: 'region', value: 'mars-north-1' });
    expect(region.message).toContain('Supported: af-south-1, ap-east-1');
    expect(region.message).toContain('us-west-2');
  });

  it('explains instance types it cannot map', () => {
    expect(
      thrown(() =>
        pytorchImageUri({ region: 'us-east-1', frameworkVersion: '2.5', scope: 'training', instanceType: 'm5.xlarge' }),
      ).message,
    ).toContain("invalid instanceType 'm5.xlarge'");
    expect(
      thrown(() =>
        pytorchImageUri({
          region: 'us-east-1',
          frameworkVersion: '2.5',
          scope: 'training',
          instanceType: 'ml.c7g.xlarge',
        }),
      ).message,
    ).toContain('Graviton instances');
    expect(
      thrown(() =>
        pytorchImageUri({
          region: 'us-east-1',
          frameworkVersion: '2.5',
          scope: 'training',
          instanceType: 'ml.trn1.2xlarge',
        }),
      ).message,
    ).toContain('Neuron images');
    expect(
      thrown(() =>
        pytorchImageUri({
          region: 'us-east-1',
          frameworkVersion: '2.5',
          scope: 'training',
          instanceType: 'ml.p2.xlarge',
        }),
      ).message,
    ).toContain('P2 instances are not supported from PyTorch 1.13 on');
    expect(
      thrown(() => pytorchImageUri({ region: 'us-east-1', frameworkVersion: '2.5', scope: 'training' })).message,
    ).toContain('give instanceType');
  });

  it('lists versions and resolves aliases', () => {
    expect(pytorchImageVersions('inference_graviton')).toEqual([
      '1.12',
      '1.12.1',
      '2.0',
      '2.0.0',
      '2.0.1',
      '2.1',
      '2.1.0',
      '2.2',
      '2.2.1',
      '2.3',
      '2.3.0',
      '2.4',
      '2.4.0',
    ]);
    expect(resolvePyTorchVersion('2.5')).toBe('2.5.1');
    expect(() => resolvePyTorchVersion('2.9')).toThrow(UnsupportedFrameworkImageError);
  });
});

describe('pytorchDistributionHyperParameters', () => {
  const base = {
    instanceType: 'ml.g5.12xlarge',
    frameworkVersion: '2.5',
    pythonVersion: 'py311',
    entryPoint: 'train.py',
  };

  it('maps torch_distributed, pytorchddp/smdistributed and mpi to what the container reads', () => {
    expect(
      pytorchDistributionHyperParameters({ ...base, distribution: { torch_distributed: { enabled: true } } }),
    ).toEqual({
      sagemaker_torch_distributed_enabled: 'true',
      sagemaker_instance_type: '"ml.g5.12xlarge"',
    });
    expect(
      pytorchDistributionHyperParameters({
        ...base,
        instanceType: 'ml.p4d.24xlarge',
        frameworkVersion: '2.2.0',
        pythonVersion: 'py310',
        distribution: { pytorchddp: { enabled: true } },
      }),
    ).toEqual({
      sagemaker_distributed_dataparallel_enabled: 'true',
      sagemaker_instance_type: '"ml.p4d.24xlarge"',
      sagemaker_distributed_dataparallel_custom_mpi_options: '""',
    });
    expect(
      pytorchDistributionHyperParameters({
        ...base,
        distribution: { mpi: { enabled: true, processes_per_host: 4, custom_mpi_options: '-x NCCL_DEBUG=INFO' } },
      }),
    ).toEqual({
      sagemaker_mpi_enabled: 'true',
      sagemaker_mpi_num_of_processes_per_host: '4',
      sagemaker_mpi_custom_mpi_options: '"-x NCCL_DEBUG=INFO"',
    });
    expect(
      pytorchDistributionHyperParameters({ ...base, distribution: { torch_distributed: { enabled: false } } }),
    ).toEqual({});
  });

  it('accepts version aliases where the SDK lists only full versions', () => {
    // The SDK's list has 2.5.1; '2.5' is the same image.
    expect(() =>
      pytorchDistributionHyperParameters({
        ...base,
        frameworkVersion: '2.5',
        distribution: { torch_distributed: { enabled: true } },
      }),
    ).not.toThrow();
  });

  it('says which instance types, versions and options are not allowed, all at once', () => {
    const cpu = thrown(() =>
      pytorchDistributionHyperParameters({
        ...base,
        instanceType: 'ml.m5.xlarge',
        entryPoint: 'train.sh',
        distribution: { torch_distributed: { enabled: true } },
      }),
    );
    expect(cpu).toBeInstanceOf(DistributionConfigError);
    expect((cpu as DistributionConfigError).problems).toEqual([
      'instance type ml.m5.xlarge: torch_distributed runs only on GPU (ml.g*, ml.p*) and Trainium (ml.trn*) instances',
      'entryPoint train.sh: torch_distributed launches only Python programs (*.py)',
    ]);
    const smddp = thrown(() =>
      pytorchDistributionHyperParameters({
        ...base,
        distribution: { smdistributed: { dataparallel: { enabled: true } } },
      }),
    );
    expect(smddp.message).toContain('frameworkVersion 2.5 is not supported by smdataparallel');
    expect(smddp.message).toContain(
      'instance type ml.g5.12xlarge is not supported by smdataparallel; supported: ml.p3.16xlarge, ml.p3dn.24xlarge',
    );
    expect(
      thrown(() =>
        pytorchDistributionHyperParameters({
          ...base,
          instanceType: 'ml.p5.48xlarge',
          frameworkVersion: '2.0.1',
          distribution: { pytorchddp: { enabled: true } },
        }),
      ).message,
    ).toContain('does not support p5 instances');
    expect(
      thrown(() =>
        pytorchDistributionHyperParameters({
          ...base,
          instanceType: 'ml.trn1.32xlarge',
          distribution: { mpi: { enabled: true } },
        }),
      ).message,
    ).toContain('Trainium instances (ml.trn1.32xlarge) support only the torch_distributed strategy');
  });

  it('rejects malformed or combined strategies with the path of the bad field', () => {
    const two = thrown(() =>
      pytorchDistributionHyperParameters({
        ...base,
        distribution: {
          torch_distributed: { enabled: true },
          smdistributed: { modelparallel: { enabled: true } },
        } as never,
      }),
    );
    expect(two.message).toContain('give exactly one strategy');
    expect(two.message).toContain('pytorch-smp images');
    expect(
      thrown(() =>
        pytorchDistributionHyperParameters({ ...base, distribution: { horovod: { enabled: true } } as never }),
      ).message,
    ).toContain(
      "distribution 'horovod' is not valid here:\n- unknown strategy; supported: torch_distributed, pytorchddp, smdistributed, mpi",
    );
    expect(
      thrown(() =>
        pytorchDistributionHyperParameters({
          ...base,
          distribution: { mpi: { enabled: true, processes_per_host: 0 } },
        }),
      ).message,
    ).toContain('distribution.mpi.processes_per_host:');
    expect(
      thrown(() =>
        pytorchDistributionHyperParameters({
          ...base,
          distribution: { torch_distributed: { enabled: 'yes' } } as never,
        }),
      ).message,
    ).toContain('distribution.torch_distributed.enabled:');
  });
});

describe('managedSpotTraining', () => {
  it('gives the spot flag, stopping condition and checkpoint config', () => {
    expect(
      managedSpotTraining({
        maxRuntimeInSeconds: 3600,
        maxWaitTimeInSeconds: 7200,
        checkpointS3Uri: 's3://ml/checkpoints/run-1',
      }),
    ).toEqual({
      EnableManagedSpotTraining: true,
      StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
      CheckpointConfig: { S3Uri: 's3://ml/checkpoints/run-1' },
    });
    expect(
      managedSpotTraining({
        maxRuntimeInSeconds: 60,
        maxWaitTimeInSeconds: 60,
        checkpointS3Uri: 's3://b/c',
        checkpointLocalPath: '/opt/ml/checkpoints',
      }).CheckpointConfig,
    ).toEqual({ S3Uri: 's3://b/c', LocalPath: '/opt/ml/checkpoints' });
  });

  it('refuses a wait shorter than the runtime, bad numbers and bad locations', () => {
    const short = thrown(() => managedSpotTraining({ maxRuntimeInSeconds: 3600, maxWaitTimeInSeconds: 1800 }));
    expect(short).toBeInstanceOf(SpotTrainingConfigError);
    expect(short.message).toBe(
      'StoppingCondition.MaxWaitTimeInSeconds: must be >= MaxRuntimeInSeconds (3600), got 1800: the wait includes the training time',
    );
    expect(thrown(() => managedSpotTraining({ maxRuntimeInSeconds: 1.5, maxWaitTimeInSeconds: 10 })).message).toContain(
      'StoppingCondition.MaxRuntimeInSeconds',
    );
    expect(
      thrown(() => managedSpotTraining({ maxRuntimeInSeconds: 30 * 86400, maxWaitTimeInSeconds: 31 * 86400 })).message,
    ).toContain('28 days');
    expect(
      thrown(() =>
        managedSpotTraining({ maxRuntimeInSeconds: 1, maxWaitTimeInSeconds: 2, checkpointS3Uri: '/local/dir' }),
      ).message,
    ).toContain('CheckpointConfig.S3Uri');
    expect(
      thrown(() =>
        managedSpotTraining({ maxRuntimeInSeconds: 1, maxWaitTimeInSeconds: 2, checkpointLocalPath: '/opt/x' }),
      ).message,
    ).toContain('needs checkpointS3Uri');
  });
});

describe('metricDefinitions', () => {
  it('returns Name/Regex pairs for valid definitions', () => {
    expect(
      metricDefinitions([
        { name: 'validation:accuracy', regex: 'val_acc=([0-9\\.]+)' },
        { name: 'train:loss', regex: 'loss=(?<v>[0-9.e-]+)' },
      ]),
    ).toEqual([
      { Name: 'validation:accuracy', Regex: 'val_acc=([0-9\\.]+)' },
      { Name: 'train:loss', Regex: 'loss=(?<v>[0-9.e-]+)' },
    ]);
  });

  it('names the definition whose regex does not compile, has no group, or repeats a name', () => {
    const bad = thrown(() =>
      metricDefinitions([
        { name: 'ok', regex: 'a=(\\d+)' },
        { name: 'broken', regex: 'acc=([0-9' },
      ]),
    );
    expect(bad).toBeInstanceOf(MetricDefinitionError);
    expect(bad).toMatchObject({ index: 1, metricName: 'broken' });
    expect(bad.message).toMatch(/^metric definition \[1\] 'broken': regex \/acc=\(\[0-9\/ does not compile/);
    expect(thrown(() => metricDefinitions([{ name: 'acc', regex: 'acc=(?:[0-9.]+)' }])).message).toContain(
      'has no capture group',
    );
    expect(
      thrown(() =>
        metricDefinitions([
          { name: 'acc', regex: 'a=(\\d)' },
          { name: 'acc', regex: 'b=(\\d)' },
        ]),
      ).message,
    ).toContain('duplicate metric name');
    expect(
      thrown(() => metricDefinitions(Array.from({ length: 41 }, (_, i) => ({ name: `m${i}`, regex: '(\\d)' }))))
        .message,
    ).toContain('at most 40');
  });
});

describe('hyperparameter encoding', () => {
  it('matches Python json.dumps', () => {
    expect(pythonJsonDumps('train.py')).toBe('"train.py"');
    expect(pythonJsonDumps(20)).toBe('20');
    expect(pythonJsonDumps(true)).toBe('true');
    expect(pythonJsonDumps(null)).toBe('null');
    expect(pythonJsonDumps({ lr: 0.01, layers: [64, 32], name: 'café' })).toBe(
      '{"lr": 0.01, "layers": [64, 32], "name": "caf\\u00e9"}',
    );
    expect(encodeHyperParameters({ epochs: 5, arch: 'resnet18' })).toEqual({ epochs: '5', arch: '"resnet18"' });
    // Expected strings are what Python 3.11's json.dumps writes for the same numbers.
    const numbers: Array<[number, string]> = [
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [0.00012345, '0.00012345'],
      [2.5e-7, '2.5e-07'],
      [-3.2e-5, '-3.2e-05'],
      [123456789012345.6, '123456789012345.6'],
      [1e100, '1e+100'],
      [1e22, '1e+22'],
      [1.5e16, '1.5e+16'],
      [9007199254740991, '9007199254740991'],
      [0.1, '0.1'],
    ];
    for (const [value, python] of numbers) expect(pythonJsonDumps(value)).toBe(python);
  });
});

describe('pytorchTrainingJob / pytorchModelContainer', () => {
  const code = {
    entryPoint: 'train.py',
    trainingHyperParameters: ({ region }: { region: string }) => ({
      sagemaker_submit_directory: '"s3://b/code/abc/sourcedir.tar.gz"',
      sagemaker_program: '"train.py"',
      sagemaker_container_log_level: '20',
      sagemaker_region: JSON.stringify(region),
    }),
  };

  it('puts image, hyperparameters, resources, spot and metrics into CreateTrainingJob fields', () => {
    const job = pytorchTrainingJob({
      region: 'eu-west-1',
      frameworkVersion: '2.5',
      pythonVersion: 'py311',
      instanceType: 'ml.g5.12xlarge',
      instanceCount: 2,
      code,
      hyperParameters: { epochs: 10, lr: 0.001 },
      distribution: { torch_distributed: { enabled: true } },
      spot: { maxRuntimeInSeconds: 3600, maxWaitTimeInSeconds: 7200, checkpointS3Uri: 's3://b/ckpt' },
      metricDefinitions: [{ name: 'val:acc', regex: 'val_acc=([0-9.]+)' }],
    });
    expect(job).toEqual({
      AlgorithmSpecification: {
        TrainingImage: '763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.5-gpu-py311',
        TrainingInputMode: 'File',
        MetricDefinitions: [{ Name: 'val:acc', Regex: 'val_acc=([0-9.]+)' }],
        EnableSageMakerMetricsTimeSeries: true,
      },
      HyperParameters: {
        epochs: '10',
        lr: '0.001',
        sagemaker_submit_directory: '"s3://b/code/abc/sourcedir.tar.gz"',
        sagemaker_program: '"train.py"',
        sagemaker_container_log_level: '20',
        sagemaker_region: '"eu-west-1"',
        sagemaker_torch_distributed_enabled: 'true',
        sagemaker_instance_type: '"ml.g5.12xlarge"',
      },
      ResourceConfig: { InstanceType: 'ml.g5.12xlarge', InstanceCount: 2, VolumeSizeInGB: 30 },
      EnableManagedSpotTraining: true,
      StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
      CheckpointConfig: { S3Uri: 's3://b/ckpt' },
    });
    expect(
      pytorchTrainingJob({ region: 'eu-west-1', frameworkVersion: '2.8', instanceType: 'ml.m5.large', code })
        .StoppingCondition,
    ).toEqual({
      MaxRuntimeInSeconds: 86400,
    });
    expect(() =>
      pytorchTrainingJob({
        region: 'eu-west-1',
        frameworkVersion: '2.8',
        instanceType: 'ml.m5.large',
        code,
        instanceCount: 0,
      }),
    ).toThrow(FrameworkConfigError);
  });

  it('builds an inference container around a model artifact (URI or pipeline expression)', () => {
    const artifact = { expr: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } };
    const container = pytorchModelContainer({
      region: 'us-east-1',
      frameworkVersion: '2.5',
      pythonVersion: 'py311',
      processor: 'cpu',
      modelDataUrl: artifact,
      entryPoint: 'inference.py',
    });
    expect(container).toEqual({
      Image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.5-cpu-py311',
      ModelDataUrl: artifact,
      Environment: {
        SAGEMAKER_PROGRAM: 'inference.py',
        SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
        SAGEMAKER_CONTAINER_LOG_LEVEL: '20',
        SAGEMAKER_REGION: 'us-east-1',
      },
    });
  });
});

/**
 * pipeline-compile: build and compile a generated 1,000-step pipeline with @sagemaker-mlops/pipeline-sdk,
 * and the same pipeline with the SageMaker Python SDK v2 (parity venv) `Pipeline.definition()`, in one run.
 * Two figures per side from the same runs: build + definition() (what a user pays) and definition() alone.
 * Both sides time inside their own process (no interpreter start-up or imports), and the two definitions are
 * compared (parsed JSON deep-equal) so both really build the same pipeline.
 *
 * Pipeline: parameters InstanceType/InstanceCount/Threshold; 1,000 steps in a chain, 4 of 5 are
 * Processing steps from a ScriptProcessor on both sides (code input, the previous step's output as input, one
 * output, an env var with a Join), every 5th a Training step reading the previous output; CacheConfig and a
 * retry policy on all.
 *
 *   npm run bench -- pipeline-compile [--steps 1000] [--runs 30]
 * Needs: packages/pipeline-sdk built (npx tsup) and .venvs/parity (bash scripts/setup-python.sh parity).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import {
  ExecutionVariables,
  Join,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
  PipelineSession,
  type ProcessingStep,
  ScriptProcessor,
  TrainingStep,
  type Step,
} from '@sagemaker-mlops/pipeline-sdk';
import { machine, percentile, writeResult } from './lib/result.js';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '1000' }, runs: { type: 'string', default: '30' } },
});
const STEPS = Number(values.steps);
const RUNS = Number(values.runs);
const root = join(import.meta.dirname, '..');
const python = join(root, '.venvs', 'parity', 'bin', 'python');
if (!existsSync(python)) throw new Error(`missing ${python}: run 'bash scripts/setup-python.sh parity' first`);

const BUCKET = 'bench-bucket';
const ROLE = 'arn:aws:iam::123456789012:role/SageMakerRole';
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/bench:latest';
const NAME = 'BenchPipeline';

function buildOurs(): Pipeline {
  const session = new PipelineSession({ pipelineName: NAME, defaultBucket: BUCKET, region: 'us-east-1' });
  const instanceType = new ParameterString({ name: 'InstanceType', defaultValue: 'ml.m5.large' });
  const instanceCount = new ParameterInteger({ name: 'InstanceCount', defaultValue: 1 });
  const threshold = new ParameterFloat({ name: 'Threshold', defaultValue: 0.5 });
  const steps: Step[] = [];
  let previous: ProcessingStep<'out'> | undefined;
  for (let i = 0; i < STEPS; i++) {
    const name = `Step${i}`;
    const common = {
      name,
      cacheConfig: { enabled: true, expireAfter: 'P1D' },
      retryPolicies: [{ exceptionTypes: ['Step.THROTTLING' as const], maxAttempts: 3 }],
    };
    const upstream = previous?.properties.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri;
    if (i % 5 === 4 && upstream) {
      steps.push(
        new TrainingStep({
          ...common,
          arguments: {
            AlgorithmSpecification: { TrainingInputMode: 'File', TrainingImage: IMAGE },
            OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models` },
            StoppingCondition: { MaxRuntimeInSeconds: 86400 },
            ResourceConfig: { VolumeSizeInGB: 30, InstanceCount: 1, InstanceType: instanceType },
            RoleArn: ROLE,
            InputDataConfig: [
              {
                DataSource: {
                  S3DataSource: { S3DataType: 'S3Prefix', S3Uri: upstream, S3DataDistributionType: 'FullyReplicated' },
                },
                ChannelName: 'train',
              },
            ],
            HyperParameters: { threshold: threshold.asString(), index: String(i) },
            DebugHookConfig: { S3OutputPath: `s3://${BUCKET}/models`, CollectionConfigurations: [] },
            ProfilerConfig: { S3OutputPath: `s3://${BUCKET}/models`, DisableProfiler: false },
          },
        }),
      );
      continue;
    }
    const processor = new ScriptProcessor({
      session,
      imageUri: IMAGE,
      command: ['python3'],
      role: ROLE,
      instanceType,
      instanceCount,
      env: { RUN: new Join({ on: '-', values: [ExecutionVariables.PIPELINE_EXECUTION_ID, String(i)] }) },
    });
    const step = processor.step({
      ...common,
      code: `s3://${BUCKET}/code/step.py`,
      inputs: upstream ? [{ source: upstream, destination: '/opt/ml/processing/input' }] : [],
      outputs: [{ outputName: 'out', source: '/opt/ml/processing/out' }],
    });
    steps.push(step);
    previous = step;
  }
  return new Pipeline({ name: NAME, parameters: [instanceType, instanceCount, threshold], steps });
}

const PYTHON = String.raw`
import json, os, sys, time, warnings
os.environ.update(SAGEMAKER_SUPPRESS_V2_WARNING="1", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
warnings.filterwarnings("ignore")
import logging; logging.disable(logging.CRITICAL)
import boto3
from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput
from sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
from sagemaker.workflow.execution_variables import ExecutionVariables
from sagemaker.workflow.functions import Join
from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.retry import StepExceptionTypeEnum, StepRetryPolicy
from sagemaker.workflow.steps import CacheConfig, ProcessingStep, TrainingStep

STEPS, RUNS = int(sys.argv[1]), int(sys.argv[2])
BUCKET, ROLE, IMAGE, NAME = "${BUCKET}", "${ROLE}", "${IMAGE}", "${NAME}"
# Telemetry (an STS call + HTTPS request per job call) is switched off so the baseline does no network I/O.
import sagemaker.telemetry.telemetry_logging as telemetry
telemetry._send_telemetry_request = lambda *args, **kwargs: None
session = PipelineSession(boto_session=boto3.Session(region_name="us-east-1"), default_bucket=BUCKET)
session._default_bucket = BUCKET

def build():
    instance_type = ParameterString(name="InstanceType", default_value="ml.m5.large")
    instance_count = ParameterInteger(name="InstanceCount", default_value=1)
    threshold = ParameterFloat(name="Threshold", default_value=0.5)
    steps, previous = [], None
    for i in range(STEPS):
        name = f"Step{i}"
        common = dict(name=name, cache_config=CacheConfig(enable_caching=True, expire_after="P1D"),
                      retry_policies=[StepRetryPolicy(exception_types=[StepExceptionTypeEnum.THROTTLING], max_attempts=3)])
        upstream = previous.properties.ProcessingOutputConfig.Outputs["out"].S3Output.S3Uri if previous else None
        if i % 5 == 4 and upstream is not None:
            est = Estimator(image_uri=IMAGE, role=ROLE, instance_type=instance_type, instance_count=1,
                            output_path=f"s3://{BUCKET}/models", sagemaker_session=session,
                            hyperparameters={"threshold": threshold, "index": str(i)})
            steps.append(TrainingStep(step_args=est.fit(inputs={"train": TrainingInput(s3_data=upstream)}), **common))
            continue
        proc = ScriptProcessor(image_uri=IMAGE, command=["python3"], instance_type=instance_type, instance_count=instance_count,
                               role=ROLE, sagemaker_session=session,
                               env={"RUN": Join(on="-", values=[ExecutionVariables.PIPELINE_EXECUTION_ID, str(i)])})
        inputs = [ProcessingInput(source=upstream, destination="/opt/ml/processing/input")] if upstream is not None else None
        step = ProcessingStep(step_args=proc.run(inputs=inputs, outputs=[ProcessingOutput(output_name="out", source="/opt/ml/processing/out")],
                                                 code=f"s3://{BUCKET}/code/step.py"), **common)
        steps.append(step)
        previous = step
    return Pipeline(name=NAME, parameters=[instance_type, instance_count, threshold], steps=steps, sagemaker_session=session)

times, cpu, definition_cpu, definition = [], [], [], None
for _ in range(RUNS):
    t0, c0 = time.perf_counter(), time.process_time()
    pipeline = build()
    c1 = time.process_time()
    definition = pipeline.definition()
    c2 = time.process_time()
    times.append((time.perf_counter() - t0) * 1000)
    cpu.append((c2 - c0) * 1000)
    definition_cpu.append((c2 - c1) * 1000)
sys.stdout.write("\n" + json.dumps({"times": times, "cpu": cpu, "definitionCpu": definition_cpu, "definition": json.loads(definition)}) + "\n")
`;

// Ours: warm up (JIT), then time each build + definition(), and definition() alone, in the same runs.
for (let i = 0; i < 3; i++) buildOurs().definition();
const ours: number[] = [];
const oursCpu: number[] = [];
const oursDefinitionCpu: number[] = [];
let definition = '';
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const pipeline = buildOurs();
  const c1 = process.cpuUsage();
  definition = pipeline.definition();
  const c2 = process.cpuUsage();
  ours.push(performance.now() - t0);
  oursCpu.push((c2.user + c2.system - c0.user - c0.system) / 1000);
  oursDefinitionCpu.push((c2.user + c2.system - c1.user - c1.system) / 1000);
}

// Python: a few runs (each takes seconds); the first includes the SDK's lazy imports, so it is dropped.
const pythonRuns = 4;
const run = spawnSync(python, ['-c', PYTHON, String(STEPS), String(pythonRuns)], {
  encoding: 'utf8',
  maxBuffer: 512 * 1024 * 1024,
});
if (run.status !== 0)
  throw new Error(`python baseline failed (${run.status}):\n${run.stderr.slice(-3000)}\n${run.stdout.slice(-3000)}`);
const py = JSON.parse(run.stdout.trimEnd().split('\n').pop() ?? '{}') as {
  times: number[];
  cpu: number[];
  definitionCpu: number[];
  definition: unknown;
};
const baselineTimes = py.times.slice(1);
const baselineCpu = py.cpu.slice(1);
const baselineDefinitionCpu = py.definitionCpu.slice(1);
const identical = isDeepStrictEqual(JSON.parse(definition), py.definition);
if (!identical) throw new Error('the two definitions differ: the benchmark would compare different pipelines');

// Headline figures are CPU time: this machine is shared, and wall time there mostly measures how
// often the process was preempted. Wall-clock medians are reported beside them.
const definitionMs = percentile(oursDefinitionCpu, 50);
const baselineDefinitionMs = percentile(baselineDefinitionCpu, 50);
const wholeMs = percentile(oursCpu, 50);
const baselineWholeMs = percentile(baselineCpu, 50);
writeResult({
  name: 'pipeline-compile',
  unit: `CPU ms (median definition() of a ${STEPS}-step pipeline; build + definition() beside it)`,
  ours: Number(definitionMs.toFixed(2)),
  baseline: Number(baselineDefinitionMs.toFixed(1)),
  ratio: Number((baselineDefinitionMs / definitionMs).toFixed(1)),
  target: "definition() alone >= 20x faster than the Python SDK's definition(); build + definition() < 50 ms",
  machine: machine(),
  // The machine is shared: a high load average makes both figures noisier.
  loadAverage1m: Number((loadavg()[0] ?? 0).toFixed(2)),
  steps: STEPS,
  buildPlusDefinitionMs: Number(wholeMs.toFixed(2)),
  baselineBuildPlusDefinitionMs: Number(baselineWholeMs.toFixed(1)),
  buildPlusDefinitionRatio: Number((baselineWholeMs / wholeMs).toFixed(1)),
  definitionBytes: Buffer.byteLength(definition),
  definitionsIdentical: identical,
  oursWallMs: Number(percentile(ours, 50).toFixed(2)),
  oursWallMinMs: Number(Math.min(...ours).toFixed(2)),
  baselineWallMs: Number(percentile(baselineTimes, 50).toFixed(1)),
  oursRuns: RUNS,
  oursCpuP90: Number(percentile(oursCpu, 90).toFixed(2)),
  baselineRuns: baselineTimes.length,
  baselineTool: 'sagemaker 2.257 (Python SDK v2) Pipeline.definition(), PipelineSession offline',
});

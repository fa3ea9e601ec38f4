import {
  ConditionStep,
  ExecutionVariables,
  Join,
  JsonGet,
  ParameterString,
  Pipeline,
  ProcessingStep,
  greaterThan,
} from '../../../src/index.js';
import { scriptStepArgs } from './common.js';

export function build(): Pipeline {
  const pipelineName = 'JsonGetS3';
  const bucket = new ParameterString({ name: 'ResultBucket', defaultValue: 'parity-results' });
  const produce = new ProcessingStep({
    name: 'Produce',
    arguments: scriptStepArgs({ pipelineName, stepName: 'Produce', code: 'produce.py', outputs: ['result'] }),
  });
  const score = new JsonGet<number>({
    s3Uri: new Join({ on: '/', values: ['s3:/', bucket, ExecutionVariables.PIPELINE_EXECUTION_ID, 'result.json'] }),
    jsonPath: 'score',
  });
  const after = new ProcessingStep({
    name: 'After',
    arguments: scriptStepArgs({
      pipelineName,
      stepName: 'After',
      code: 'after.py',
      arguments: ['--tag', new Join({ on: '-', values: ['run', 7, 1.5, true] })],
    }),
  });
  const cond = new ConditionStep({
    name: 'ScoreHigh',
    conditions: [greaterThan(score, 0.9)],
    ifSteps: [after],
    dependsOn: [produce],
  });
  return new Pipeline({
    name: pipelineName,
    parameters: [bucket],
    steps: [produce, cond],
    experimentConfig: { experimentName: 'parity-experiment', trialName: ExecutionVariables.PIPELINE_EXECUTION_ID },
  });
}

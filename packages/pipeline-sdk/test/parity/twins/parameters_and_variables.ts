import {
  ExecutionVariables,
  Join,
  ParameterBoolean,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
  PipelineExperimentConfigProperties,
  ProcessingStep,
} from '../../../src/index.js';
import { scriptStepArgs } from './common.js';

export function build(): Pipeline {
  const stage = new ParameterString({ name: 'Stage', defaultValue: 'dev', enumValues: ['dev', 'staging', 'prod'] });
  const note = new ParameterString({ name: 'Note' });
  const epochs = new ParameterInteger({ name: 'Epochs', defaultValue: 3 });
  const ratio = new ParameterFloat({ name: 'Ratio', defaultValue: 0.25 });
  const dryRun = new ParameterBoolean({ name: 'DryRun', defaultValue: false });
  const flag = new ParameterBoolean({ name: 'Flag' });
  const v = ExecutionVariables;
  const show = new ProcessingStep({
    name: 'Show',
    arguments: scriptStepArgs({
      pipelineName: 'ParametersAndVariables',
      stepName: 'Show',
      code: 'show.py',
      arguments: ['--epochs', epochs.asString(), '--flag', flag.asString(), '--ratio', ratio.asString()],
      env: {
        STAGE: stage,
        NOTE: note,
        EPOCHS: epochs.asString(),
        RATIO: ratio.asString(),
        DRY_RUN: dryRun.asString(),
        EXPERIMENT: PipelineExperimentConfigProperties.EXPERIMENT_NAME,
        TRIAL: PipelineExperimentConfigProperties.TRIAL_NAME,
        RUN: new Join({
          on: '|',
          values: [
            v.START_DATETIME,
            v.CURRENT_DATETIME,
            v.PIPELINE_NAME,
            v.PIPELINE_ARN,
            v.PIPELINE_EXECUTION_ID,
            v.PIPELINE_EXECUTION_ARN,
            v.TRAINING_JOB_NAME,
            v.PROCESSING_JOB_NAME,
          ],
        }),
      },
    }),
  });
  return new Pipeline({
    name: 'ParametersAndVariables',
    parameters: [stage, note, epochs, ratio, dryRun, flag],
    steps: [show],
  });
}

import { runTuning } from '../tuning.js';
import { runJob } from './run-job.js';
import type { StepAction } from './types.js';

/** A Tuning step: the tuning job's training jobs, run one after another through the training job runner. */
export const tuningStep: StepAction = {
  evaluatedArguments: true,
  async run({ args, name, run }, services) {
    const properties = await runTuning(
      args,
      name,
      (jobArgs, jobName) => runJob(services, 'training', jobArgs, jobName, run).then((r) => r.properties),
      services.ctx,
    );
    return { properties, metadata: { TuningJob: { Arn: properties.HyperParameterTuningJobArn } } };
  },
};

import { customJobName } from '../pipeline-graph.js';
import { runJob } from './run-job.js';
import type { StepAction } from './types.js';

/** A Training step: a training job under the step's job name (or the definition's own, with a custom prefix). */
export const trainingStep: StepAction = {
  evaluatedArguments: true,
  async run({ args, name, executionId, run }, services) {
    const jobName = customJobName(args, 'TrainingJobName', name, executionId);
    const { properties, stopped } = await runJob(services, 'training', args, jobName, run);
    return { properties, metadata: { TrainingJob: { Arn: properties.TrainingJobArn } }, stopped };
  },
};

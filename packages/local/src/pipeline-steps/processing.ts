import { customJobName } from '../pipeline-graph.js';
import { runJob } from './run-job.js';
import type { StepAction } from './types.js';

/** A Processing step: a processing job under the step's job name (or the definition's own, with a custom prefix). */
export const processingStep: StepAction = {
  evaluatedArguments: true,
  async run({ args, name, executionId, run }, services) {
    const jobName = customJobName(args, 'ProcessingJobName', name, executionId);
    const { properties, stopped } = await runJob(services, 'processing', args, jobName, run);
    return { properties, metadata: { ProcessingJob: { Arn: properties.ProcessingJobArn } }, stopped };
  },
};

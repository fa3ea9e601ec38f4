import { CreateTransformJobCommand } from '@aws-sdk/client-sagemaker';
import { customJobName, StepFailure } from '../pipeline-graph.js';
import { OWNER, revive } from '../store.js';
import type { Rec } from '../untyped.js';
import type { StepAction } from './types.js';

/** A Transform step: a batch transform job, created through CreateTransformJob and waited for. */
export const transformStep: StepAction = {
  evaluatedArguments: true,
  async run({ args, name, executionId, run }, services) {
    const jobName = customJobName(args, 'TransformJobName', name, executionId);
    const key = `transform/${jobName}`;
    run.jobs.add(key);
    try {
      await services.call(CreateTransformJobCommand, { ...args, TransformJobName: jobName });
      if (run.stopRequested) await services.stopJob(key);
      const properties = revive(await services.transforms.wait(jobName)) as Rec;
      delete properties[OWNER];
      const metadata = { TransformJob: { Arn: properties.TransformJobArn } };
      if (properties.TransformJobStatus === 'Stopped') return { properties, metadata, stopped: true };
      if (properties.TransformJobStatus !== 'Completed')
        throw new StepFailure(String(properties.FailureReason), 'SageMaker.ALGORITHM_ERROR');
      return { properties: JSON.parse(JSON.stringify(properties)), metadata };
    } finally {
      run.jobs.delete(key);
    }
  },
};

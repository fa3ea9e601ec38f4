import {
  ConditionStep,
  FailStep,
  JsonGet,
  Pipeline,
  ProcessingStep,
  PropertyFile,
  greaterThanOrEqualTo,
  lessThan,
} from '../../../src/index.js';
import { scriptStepArgs } from './common.js';

export function build(): Pipeline {
  const pipelineName = 'NestedConditions';
  const metrics = new PropertyFile({ name: 'Metrics', outputName: 'report', path: 'metrics.json' });
  const drift = new PropertyFile({ name: 'Drift', outputName: 'report', path: 'drift/summary.json' });
  const evaluate = new ProcessingStep({
    name: 'Evaluate',
    arguments: scriptStepArgs({
      pipelineName,
      stepName: 'Evaluate',
      code: 'evaluate.py',
      outputs: ['report', 'plots'],
    }),
    propertyFiles: [metrics, drift],
  });
  const accuracy = new JsonGet<number>({ step: evaluate, propertyFile: metrics, jsonPath: 'accuracy' });
  const driftScore = new JsonGet<number>({ step: 'Evaluate', propertyFile: 'Drift', jsonPath: 'data.p_value' });
  const publish = new ProcessingStep({
    name: 'Publish',
    arguments: scriptStepArgs({ pipelineName, stepName: 'Publish', code: 'publish.py' }),
  });
  const retrain = new ProcessingStep({
    name: 'FlagRetrain',
    arguments: scriptStepArgs({ pipelineName, stepName: 'FlagRetrain', code: 'flag.py' }),
  });
  const inner = new ConditionStep({
    name: 'CheckDrift',
    conditions: [lessThan(driftScore, 0.05)],
    ifSteps: [retrain],
    elseSteps: [publish],
  });
  const outer = new ConditionStep({
    name: 'CheckAccuracy',
    conditions: [greaterThanOrEqualTo(accuracy, 0.8)],
    ifSteps: [inner],
    elseSteps: [new FailStep({ name: 'TooInaccurate', errorMessage: accuracy.asString() })],
  });
  return new Pipeline({ name: pipelineName, steps: [evaluate, outer], experimentConfig: null });
}

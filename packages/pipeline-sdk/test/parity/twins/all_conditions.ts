import {
  ConditionStep,
  FailStep,
  JsonGet,
  ParameterBoolean,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
  ProcessingStep,
  PropertyFile,
  equals,
  greaterThan,
  greaterThanOrEqualTo,
  isIn,
  lessThan,
  lessThanOrEqualTo,
  not,
  or,
} from '../../../src/index.js';
import { scriptStepArgs } from './common.js';

export function build(): Pipeline {
  const name = 'AllConditions';
  const count = new ParameterInteger({ name: 'Count', defaultValue: 5 });
  const score = new ParameterFloat({ name: 'Score', defaultValue: 0.5 });
  const region = new ParameterString({ name: 'Region', defaultValue: 'us-east-1' });
  const enabled = new ParameterBoolean({ name: 'Enabled', defaultValue: true });
  const stats = new PropertyFile({ name: 'Stats', outputName: 'stats', path: 'stats.json' });
  const check = new ProcessingStep({
    name: 'Check',
    arguments: scriptStepArgs({ pipelineName: name, stepName: 'Check', code: 'check.py', outputs: ['stats'] }),
    propertyFiles: [stats],
  });
  const rows = new JsonGet<number>({ step: check, propertyFile: stats, jsonPath: 'rows' });
  const proceed = new ProcessingStep({
    name: 'Proceed',
    arguments: scriptStepArgs({ pipelineName: name, stepName: 'Proceed', code: 'proceed.py' }),
  });
  const cond = new ConditionStep({
    name: 'AllChecks',
    conditions: [
      equals(enabled, true),
      greaterThan(count, 1),
      greaterThanOrEqualTo(score, 0.1),
      lessThan(rows, 1000000),
      lessThanOrEqualTo(score, 1.0),
      isIn(region, ['us-east-1', 'eu-west-1', region]),
      not(equals(count, 13)),
      or(greaterThan(rows, count), not(isIn('x', ['a', 'b']))),
    ],
    ifSteps: [proceed],
    elseSteps: [new FailStep({ name: 'Stop', errorMessage: 'checks failed' })],
  });
  return new Pipeline({ name, parameters: [count, score, region, enabled], steps: [check, cond] });
}

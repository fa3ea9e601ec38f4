import { ConditionStep, FailStep, Join, ParameterInteger, Pipeline, equals } from '../../../src/index.js';

export function build(): Pipeline {
  const param = new ParameterInteger({ name: 'MyInt', defaultValue: 2 });
  const cond = new ConditionStep({ name: 'CondStep', conditions: [equals(param, 1)] });
  const fail = new FailStep({
    name: 'FailStep',
    errorMessage: new Join({ on: ': ', values: ['Failed due to xxx == yyy returns', cond.properties.Outcome] }),
  });
  const silent = new FailStep({
    name: 'SilentFail',
    dependsOn: [fail],
    displayName: 'Silent',
    description: 'no message',
  });
  return new Pipeline({ name: 'FailWithJoin', parameters: [param], steps: [cond, fail, silent] });
}

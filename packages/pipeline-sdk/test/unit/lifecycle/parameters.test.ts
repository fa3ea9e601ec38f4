import { describe, expect, it } from 'vitest';
import { PipelineParameterError, toPipelineParameters, type PipelineSource } from '../../../src/lifecycle/index.js';

const pipeline: PipelineSource = {
  name: 'seed',
  definition: () => '{}',
  parameters: [
    { name: 'Bucket', parameterType: 'String', defaultValue: 'lake' },
    {
      name: 'Status',
      parameterType: 'String',
      defaultValue: 'PendingManualApproval',
      enumValues: ['PendingManualApproval', 'Approved'],
    },
    { name: 'Epochs', parameterType: 'Integer', defaultValue: 5 },
    { name: 'Gate', parameterType: 'Float', defaultValue: 0.8 },
    { name: 'Spot', parameterType: 'Boolean', defaultValue: true },
    { name: 'RunId', parameterType: 'String' },
  ],
};

describe('toPipelineParameters', () => {
  it('formats each type as SageMaker takes it and leaves defaults out', () => {
    expect(
      toPipelineParameters(pipeline, { RunId: 'r1', Epochs: 10, Gate: 1, Spot: false, Status: 'Approved' }),
    ).toEqual([
      { Name: 'RunId', Value: 'r1' },
      { Name: 'Epochs', Value: '10' },
      { Name: 'Gate', Value: '1' },
      { Name: 'Spot', Value: 'false' },
      { Name: 'Status', Value: 'Approved' },
    ]);
    expect(toPipelineParameters(pipeline, { RunId: 'r2' })).toEqual([{ Name: 'RunId', Value: 'r2' }]);
  });

  it('lists every problem with the parameter name, the expected type and what was given', () => {
    let error: PipelineParameterError | undefined;
    try {
      toPipelineParameters(pipeline, {
        Epochs: 1.5,
        Gate: Number.NaN,
        Spot: 'yes' as unknown as boolean,
        Bucket: 3 as unknown as string,
        Status: 'approved',
        Epoks: 3,
      });
    } catch (e) {
      error = e as PipelineParameterError;
    }
    expect(error).toBeInstanceOf(PipelineParameterError);
    expect(error!.pipelineName).toBe('seed');
    expect(error!.problems).toEqual([
      { name: 'Epochs', message: 'expected a whole number (ParameterInteger), got number 1.5' },
      { name: 'Gate', message: 'expected a finite number (ParameterFloat), got number NaN' },
      { name: 'Spot', message: 'expected true or false (ParameterBoolean), got the string "yes"' },
      { name: 'Bucket', message: 'expected a string (ParameterString), got number 3' },
      { name: 'Status', message: '"approved" is not one of its enum values ["PendingManualApproval","Approved"]' },
      {
        name: 'Epoks',
        message: 'not a parameter of this pipeline; declared: Bucket, Status, Epochs, Gate, Spot, RunId',
      },
      { name: 'RunId', message: 'has no default value, so start() must give one (String)' },
    ]);
    expect(error!.message).toMatch(/^pipeline 'seed': 7 invalid parameter values:\n- Epochs: /);
  });
});

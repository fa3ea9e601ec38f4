import { StepFailure, type StepDef } from '../pipeline-graph.js';
import type { Rec } from '../untyped.js';
import type { StepAction } from './types.js';

/** Whether a Lambda output has the type its OutputParameters entry declares. */
function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'String':
      return typeof value === 'string';
    case 'Integer':
      return Number.isInteger(value);
    case 'Float':
      return typeof value === 'number';
    case 'Boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

/** The declared OutputParameters from what the handler returned, each checked against its type. */
function outputValues(def: StepDef, fnName: string, result: unknown): Rec {
  const output = (result && typeof result === 'object' ? result : {}) as Rec;
  const values: Rec = {};
  for (const param of def.OutputParameters ?? []) {
    const value = output[param.OutputName];
    if (value === undefined)
      throw new StepFailure(
        `Lambda ${fnName} returned no output "${param.OutputName}" (declared in OutputParameters).`,
        'Step.SERVICE_FAULT',
      );
    const type = param.OutputType ?? 'String';
    if (!hasType(value, type))
      throw new StepFailure(
        `Lambda ${fnName} output "${param.OutputName}" must be ${type}; got ${JSON.stringify(value)}.`,
        'Step.SERVICE_FAULT',
      );
    values[param.OutputName] = value;
  }
  return values;
}

/** A Lambda step: the handler registered for the function (lambdaHandlers) called with the step's arguments. */
export const lambdaStep: StepAction = {
  evaluatedArguments: true,
  async run({ def, args }, { ctx }) {
    const arn = String(def.FunctionArn ?? '');
    const fnName = /:function:([^:]+)/.exec(arn)?.[1] ?? arn;
    const handler = ctx.lambdaHandlers[arn] ?? ctx.lambdaHandlers[fnName];
    if (!handler) {
      throw new StepFailure(
        `No local Lambda handler is registered for ${arn}; pass lambdaHandlers: { '${fnName}': async (event) => ({ ... }) } to LocalSageMaker.open.`,
        'Step.SERVICE_FAULT',
      );
    }
    let result: unknown;
    try {
      result = await handler(args);
    } catch (error) {
      const throttled = /Throttl|TooManyRequests/.test(String((error as Error)?.name ?? ''));
      throw new StepFailure(
        `Lambda ${fnName} failed: ${(error as Error)?.message ?? String(error)}`,
        throttled ? 'Step.THROTTLING' : 'Step.SERVICE_FAULT',
      );
    }
    const values = outputValues(def, fnName, result);
    return {
      properties: { OutputParameters: values },
      metadata: {
        Lambda: {
          Arn: arn,
          OutputParameters: Object.entries(values).map(([Name, Value]) => ({ Name, Value: String(Value) })),
        },
      },
    };
  },
};

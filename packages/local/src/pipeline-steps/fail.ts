import { evaluate } from '../expressions.js';
import { StepFailure } from '../pipeline-graph.js';
import type { StepAction } from './types.js';

/** A Fail step: fails the execution with its (evaluated) ErrorMessage. */
export const failStep: StepAction = {
  evaluatedArguments: false,
  async run({ def, scope, where, record }) {
    const message =
      def.Arguments?.ErrorMessage === undefined
        ? ''
        : String(await evaluate(def.Arguments.ErrorMessage, scope, `${where}.ErrorMessage`));
    record.Metadata = { Fail: { ErrorMessage: message } };
    throw new StepFailure(message, 'Fail');
  },
};

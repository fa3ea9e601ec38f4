import { evaluateCondition } from '../expressions.js';
import type { Rec } from '../untyped.js';
import type { StepAction } from './types.js';

/** A Condition step: true when all its conditions hold (evaluated in order, stopping at the first false one). */
export const conditionStep: StepAction = {
  evaluatedArguments: false,
  async run({ def, scope, where }) {
    let outcome = true;
    for (const [i, condition] of ((def.Arguments?.Conditions ?? []) as Rec[]).entries()) {
      if (!(await evaluateCondition(condition, scope, `${where}.Conditions[${i}]`))) {
        outcome = false;
        break;
      }
    }
    return {
      properties: { Outcome: outcome },
      metadata: { Condition: { Outcome: outcome ? 'True' : 'False' } },
      outcome,
    };
  },
};

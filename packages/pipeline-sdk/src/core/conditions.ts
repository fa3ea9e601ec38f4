import { InvalidArgumentError } from './errors.js';
import {
  isExpression,
  type ExpressionOperand,
  type ExpressionReference,
  type JsonValue,
  type PipelineExpression,
} from './expressions.js';

export type ConditionType =
  | 'Equals'
  | 'GreaterThan'
  | 'GreaterThanOrEqualTo'
  | 'LessThan'
  | 'LessThanOrEqualTo'
  | 'In'
  | 'Not'
  | 'Or';

type Comparable = number | string | PipelineExpression<unknown>;

function json(value: ExpressionOperand): JsonValue {
  return isExpression(value) ? value.expr : value;
}

function refs(value: unknown): ExpressionReference[] {
  return isExpression(value) ? value.references() : [];
}

/** A condition of a ConditionStep (the step's `Conditions` list is an implicit AND). */
export abstract class Condition {
  abstract readonly conditionType: ConditionType;
  abstract toRequest(): { [key: string]: JsonValue };
  abstract references(): ExpressionReference[];
}

abstract class BinaryCondition extends Condition {
  constructor(
    readonly left: ExpressionOperand,
    readonly right: ExpressionOperand,
  ) {
    super();
  }
  toRequest(): { [key: string]: JsonValue } {
    return { Type: this.conditionType, LeftValue: json(this.left), RightValue: json(this.right) };
  }
  references(): ExpressionReference[] {
    return [...refs(this.left), ...refs(this.right)];
  }
}

export class ConditionEquals extends BinaryCondition {
  readonly conditionType = 'Equals' as const;
}
export class ConditionGreaterThan extends BinaryCondition {
  readonly conditionType = 'GreaterThan' as const;
}
export class ConditionGreaterThanOrEqualTo extends BinaryCondition {
  readonly conditionType = 'GreaterThanOrEqualTo' as const;
}
export class ConditionLessThan extends BinaryCondition {
  readonly conditionType = 'LessThan' as const;
}
export class ConditionLessThanOrEqualTo extends BinaryCondition {
  readonly conditionType = 'LessThanOrEqualTo' as const;
}

export class ConditionIn extends Condition {
  readonly conditionType = 'In' as const;
  constructor(
    readonly value: ExpressionOperand,
    readonly inValues: readonly ExpressionOperand[],
  ) {
    super();
    if (inValues.length === 0) throw new InvalidArgumentError('an In condition needs at least one value');
  }
  toRequest(): { [key: string]: JsonValue } {
    return { Type: 'In', QueryValue: json(this.value), Values: this.inValues.map(json) };
  }
  references(): ExpressionReference[] {
    return [...refs(this.value), ...this.inValues.flatMap(refs)];
  }
}

export class ConditionNot extends Condition {
  readonly conditionType = 'Not' as const;
  constructor(readonly condition: Condition) {
    super();
  }
  toRequest(): { [key: string]: JsonValue } {
    return { Type: 'Not', Condition: this.condition.toRequest() };
  }
  references(): ExpressionReference[] {
    return this.condition.references();
  }
}

export class ConditionOr extends Condition {
  readonly conditionType = 'Or' as const;
  constructor(readonly conditions: readonly Condition[]) {
    super();
    if (conditions.length === 0) throw new InvalidArgumentError('an Or condition needs at least one condition');
  }
  toRequest(): { [key: string]: JsonValue } {
    return { Type: 'Or', Conditions: this.conditions.map((c) => c.toRequest()) };
  }
  references(): ExpressionReference[] {
    return this.conditions.flatMap((c) => c.references());
  }
}

// Factories: read like the condition they build.
export const equals = (left: ExpressionOperand, right: ExpressionOperand): ConditionEquals =>
  new ConditionEquals(left, right);
export const greaterThan = (left: Comparable, right: Comparable): ConditionGreaterThan =>
  new ConditionGreaterThan(left, right);
export const greaterThanOrEqualTo = (left: Comparable, right: Comparable): ConditionGreaterThanOrEqualTo =>
  new ConditionGreaterThanOrEqualTo(left, right);
export const lessThan = (left: Comparable, right: Comparable): ConditionLessThan => new ConditionLessThan(left, right);
export const lessThanOrEqualTo = (left: Comparable, right: Comparable): ConditionLessThanOrEqualTo =>
  new ConditionLessThanOrEqualTo(left, right);
export const isIn = (value: ExpressionOperand, values: readonly ExpressionOperand[]): ConditionIn =>
  new ConditionIn(value, values);
export const not = (condition: Condition): ConditionNot => new ConditionNot(condition);
export const or = (...conditions: Condition[]): ConditionOr => new ConditionOr(conditions);

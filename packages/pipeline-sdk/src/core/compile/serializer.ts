import { Condition } from '../conditions.js';
import { InvalidArgumentError } from '../errors.js';
import { isExpression, type ExpressionReference, type JsonValue } from '../expressions.js';
import { Step } from '../steps.js';

/** A reference found in a step's arguments, with where it was found (for errors). */
export interface FoundReference {
  ref: ExpressionReference;
  stepName: string;
  path: string;
}

/**
 * Serialises an argument tree into definition JSON objects, replacing expressions by their JSON and recording
 * what they reference, with the JSON path of every value at hand for errors. The JSON path is kept as a stack
 * of segments and only joined into a string when something needs it (a reference or an error).
 */
export class Serializer {
  readonly refs: FoundReference[] = [];
  private readonly segments: string[] = [];
  private stepName = '';

  run(value: unknown, stepName: string, root: string): JsonValue | undefined {
    this.stepName = stepName;
    this.segments.length = 0;
    this.segments.push(root);
    return this.value(value);
  }

  private path(): string {
    let out = this.segments[0] ?? '';
    for (let i = 1; i < this.segments.length; i++) {
      const segment = this.segments[i] as string;
      out += segment.charCodeAt(0) === 91 /* [ */ || out === '' ? segment : `.${segment}`;
    }
    return out;
  }

  private fail(message: string): never {
    throw new InvalidArgumentError(message, { stepName: this.stepName, path: this.path() });
  }

  private record(references: ExpressionReference[]): void {
    if (references.length === 0) return;
    const path = this.path();
    for (const ref of references) this.refs.push({ ref, stepName: this.stepName, path });
  }

  private value(value: unknown): JsonValue | undefined {
    switch (typeof value) {
      case 'undefined':
        return undefined;
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        if (!Number.isFinite(value)) this.fail(`${value} is not a valid JSON number`);
        return value;
      case 'object':
        break;
      default:
        this.fail(`a ${typeof value} cannot appear in a pipeline definition`);
    }
    if (value === null) return null;
    if (isExpression(value)) {
      this.record(value.references());
      return value.expr;
    }
    if (Array.isArray(value)) {
      const out: JsonValue[] = new Array<JsonValue>(value.length);
      for (let i = 0; i < value.length; i++) {
        this.segments.push(`[${i}]`);
        out[i] = this.value(value[i]) ?? null;
        this.segments.pop();
      }
      return out;
    }
    if (value instanceof Condition) {
      this.record(value.references());
      return value.toRequest();
    }
    if (value instanceof Date) return value.toISOString();
    if (value instanceof Step) {
      this.fail(
        `a step object cannot be an argument value; use one of its properties (e.g. ${value.name}.properties...)`,
      );
    }
    const out: { [key: string]: JsonValue } = {};
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      this.segments.push(key);
      const json = this.value(record[key]);
      this.segments.pop();
      if (json !== undefined) out[key] = json;
    }
    return out;
  }
}

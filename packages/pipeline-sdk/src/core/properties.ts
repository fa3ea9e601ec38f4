import { PropertyPathError } from './errors.js';
import { EXPRESSION, PipelineExpression, type ExpressionReference, type JsonValue } from './expressions.js';
import { PROPERTY_SHAPES } from './property-shapes.generated.js';

/** A leaf of a step's properties: `{"Get": "Steps.<step>.<path>"}` at run time. */
export abstract class Property<T> extends PipelineExpression<T> {
  abstract readonly stepName: string;
  abstract readonly path: string;
}

type Leaf = string | number | boolean | Date;
type LeafValue<T> = [T] extends [string]
  ? string
  : [T] extends [number]
    ? number
    : [T] extends [boolean]
      ? boolean
      : string;

/** Integer indexes that type-check without `!` under `noUncheckedIndexedAccess` (0..99). */
export type ListIndex = Enumerate<100>;
type Enumerate<N extends number, Acc extends number[] = []> = Acc['length'] extends N
  ? Acc[number]
  : Enumerate<N, [...Acc, Acc['length']]>;

/** A list property: `[0]` by position; `['name']` by the item's name, as the Python SDK writes it. */
export type PropertyList<E, Names extends string = never> = { readonly [I in ListIndex]: E } & {
  readonly [K in Names]: E;
} & { readonly [key: string]: E };

/**
 * A list whose item names are known from the step's own arguments (Processing inputs/outputs):
 * `['train']` type-checks only for a declared name, `[0]` by position.
 */
export type NamedPropertyList<E, Names extends string> = { readonly [I in ListIndex]: E } & {
  readonly [K in Names]: E;
};

/** A map property: `['key']`. */
export type PropertyMap<E> = { readonly [key: string]: E };

/**
 * A map whose keys are known from the step's own arguments (HyperParameters, Environment): a declared key
 * type-checks as a value (no `!` under `noUncheckedIndexedAccess`); any other key may be `undefined`.
 */
export type NamedPropertyMap<E, Names extends string> = { readonly [K in Names]: E } & PropertyMap<E>;

/**
 * The properties of a step, mirroring its Describe* response type: every leaf is a
 * {@link Property} expression, lists and maps index like the Python SDK's PropertiesList/Map.
 */
export type PropertiesOf<T> = [T] extends [Leaf]
  ? Property<LeafValue<T>>
  : T extends readonly (infer U)[]
    ? PropertyList<PropertiesOf<NonNullable<U>>>
    : string extends keyof T
      ? PropertyMap<PropertiesOf<NonNullable<T[string & keyof T]>>>
      : { readonly [K in keyof T as K extends '$metadata' ? never : K]-?: PropertiesOf<NonNullable<T[K]>> };

class PropertyLeaf extends Property<unknown> {
  constructor(
    readonly stepName: string,
    readonly path: string,
  ) {
    super();
  }
  get expr(): JsonValue {
    return { Get: `Steps.${this.stepName}.${this.path}` };
  }
  override references(): ExpressionReference[] {
    return [{ kind: 'step', stepName: this.stepName }];
  }
}

/** Where the Proxy of a property node hands out its leaf (for the compiler, which reads it without traps). */
const LEAF = Symbol('property leaf');

/** The leaf `{"Get": "Steps.<stepName>.<path>"}` of a step property, when `value` is one. */
export function propertyLeaf(value: object): { readonly stepName: string; readonly path: string } | undefined {
  const proxied = (value as { [LEAF]?: PropertyLeaf })[LEAF];
  if (proxied !== undefined) return proxied;
  return Object.getPrototypeOf(value) === PropertyLeaf.prototype ? (value as PropertyLeaf) : undefined;
}

// A node's shape: a structure name, '[]'+element, '{}'+value, '' for a scalar, or a synthetic structure.
type ShapeRef = string | { readonly [member: string]: ShapeRef };

function membersOf(shape: ShapeRef): Readonly<Record<string, ShapeRef>> | undefined {
  if (typeof shape !== 'string') return shape;
  return PROPERTY_SHAPES[shape];
}

const PASSTHROUGH = new Set<string | symbol>(['then', 'toJSON', 'asymmetricMatch', 'nodeType', '$$typeof']);

/**
 * Builds the Proxy behind `step.properties`. Each property access appends to the recorded path;
 * the shape table (from the AWS model) says whether a member is a list/map (indexed `['k']`/`[0]`)
 * and rejects names the Describe* response does not have, also for plain JavaScript callers.
 */
export function createProperties<T>(stepName: string, shape: ShapeRef): T {
  return node(stepName, '', shape) as T;
}

function node(stepName: string, path: string, shape: ShapeRef): unknown {
  const leaf = new PropertyLeaf(stepName, path);
  const isList = typeof shape === 'string' && (shape.startsWith('[]') || shape.startsWith('{}'));
  return new Proxy(leaf, {
    get(target, prop, receiver) {
      if (prop === LEAF) return target;
      if (typeof prop === 'symbol' || prop in target || PASSTHROUGH.has(prop)) {
        return prop === 'then' ? undefined : Reflect.get(target, prop, receiver);
      }
      if (isList) {
        const element = (shape as string).slice(2);
        const index = /^(0|[1-9]\d*)$/.test(prop) ? `[${prop}]` : `['${prop}']`;
        return node(stepName, `${path}${index}`, element);
      }
      const members = membersOf(shape);
      const child = members?.[prop];
      if (members === undefined || child === undefined) {
        // Lower-case names are JavaScript probing (inspection, matchers), never AWS members.
        if (!/^[A-Z]/.test(prop)) return undefined;
        const known = members ? Object.keys(members).join(', ') : 'none (this is a value, not an object)';
        throw new PropertyPathError(
          `'${prop}' is not a property of ${path === '' ? 'this step' : `'${path}'`}; known properties: ${known}`,
          { stepName, path: path === '' ? prop : `${path}.${prop}` },
        );
      }
      return node(stepName, path === '' ? prop : `${path}.${prop}`, child);
    },
    has(target, prop) {
      return prop === EXPRESSION || Reflect.has(target, prop);
    },
  });
}

/** A single property `{"Get": "Steps.<step>.<path>"}` (for steps whose properties are not a Describe* shape). */
export function stepProperty<T>(stepName: string, path: string): Property<T> {
  return new PropertyLeaf(stepName, path) as Property<T>;
}

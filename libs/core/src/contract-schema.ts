/**
 * The registry of contract fields declared with `@Prop` (@quarry/contract) and the JSON Schemas
 * derived from them (MCP tool input and output schemas). Kept free of Nest, GraphQL and Swagger,
 * so that everything importing @quarry/core (the test setup, the CLI) stays light; the decorator
 * that also derives validation, OpenAPI and GraphQL lives in libs/contract.
 */

type Schema = Record<string, unknown>;
/** A property decorator as class-validator's `registerDecorator` helpers declare them. */
export type PropertyRule = (target: object, propertyName: string) => void;
export type ClassType = new (...args: never[]) => object;

/** A closed set of strings: a JSON Schema / OpenAPI `enum`, and a GraphQL enum (values upper-cased). */
export interface ContractEnum<V extends string = string> {
  name: string;
  values: readonly V[];
  /** The object registered as the GraphQL enum: `{ LEXICAL: 'lexical', ... }`. */
  graphql: Record<string, V>;
}

/**
 * - `string`, `int`, `number`, `boolean`, `id` (a string; GraphQL `ID`)
 * - `date`: an ISO 8601 date or date-time string
 * - `json`: a JSON object (GraphQL `JSON`); `schema` says more, `validate` checks it
 * - a `ContractEnum`, or `() => Class` for a nested object
 */
export type FieldType =
  'string' | 'int' | 'number' | 'boolean' | 'id' | 'date' | 'json' | ContractEnum | (() => ClassType);

export interface FieldSpec {
  type: FieldType;
  /** A list of `type`. Length and pattern bounds then apply to each item. */
  array?: boolean;
  /**
   * One value or a list of them (JSON, REST, MCP); GraphQL, which has no unions of inputs, takes
   * the list. Class-validator has no such rule: give it in `validate`.
   */
  oneOrMany?: boolean;
  /** May be left out (inputs). */
  optional?: boolean;
  /** May be null (results). */
  nullable?: boolean;
  description?: string;
  /** Documented default; the operation applies it (GraphQL gets no default, so a missing field stays missing). */
  default?: unknown;
  min?: number;
  max?: number;
  minLength?: number;
  /** The error when a string is shorter than `minLength`, where class-validator's says it badly. */
  minLengthMessage?: string;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: { regex: RegExp; message: string };
  /** Further class-validator rules the bounds above do not say (cross-field, custom). */
  validate?: PropertyRule[];
  /**
   * Described, not validated here: the operation checks the items itself (a bulk ingest reports
   * each bad document instead of refusing the request).
   */
  itemsCheckedLater?: boolean;
  /** JSON Schema merged over the derived one, where the type says less than the rule (a `json` field's shape). */
  schema?: Schema;
  /** The GraphQL field's name where it differs from the JSON one (`createdAt` for a stored `created_at`). */
  graphqlName?: string;
}

const specs = new WeakMap<object, Map<string, FieldSpec>>();

/** Records a field's declaration (done by `@Prop`). */
export function declareField(cls: object, name: string, spec: FieldSpec): void {
  const fields = specs.get(cls) ?? new Map<string, FieldSpec>();
  fields.set(name, spec);
  specs.set(cls, fields);
}

/** The fields declared with `@Prop` on a class and its ancestors, in declaration order (ancestors first). */
export function contractFields(cls: object): Map<string, FieldSpec> | undefined {
  const chain: object[] = [];
  for (let c: object | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c))
    chain.unshift(c);
  const own = chain.map((c) => specs.get(c)).filter((m): m is Map<string, FieldSpec> => !!m);
  if (own.length === 0) return undefined;
  return new Map(own.flatMap((m) => [...m]));
}

export const isEnumType = (type: FieldType): type is ContractEnum => typeof type === 'object';
export const isClassType = (type: FieldType): type is () => ClassType => typeof type === 'function';

/** The JSON Schema of one value of `type`, with the bounds that apply to each value. */
function valueSchema(spec: FieldSpec, closed: boolean, depth: number): Schema {
  const { type } = spec;
  if (isClassType(type)) return classSchema(type(), closed, depth + 1);
  if (isEnumType(type)) return { type: 'string', enum: [...type.values] };
  if (type === 'json') return { type: 'object' };
  if (type === 'date') return { type: 'string', anyOf: [{ format: 'date' }, { format: 'date-time' }] };
  const schema: Schema = {
    type: type === 'int' ? 'integer' : type === 'id' ? 'string' : type,
  };
  if (spec.minLength !== undefined) schema.minLength = spec.minLength;
  if (spec.maxLength !== undefined) schema.maxLength = spec.maxLength;
  if (spec.pattern) schema.pattern = spec.pattern.regex.source;
  if (spec.min !== undefined) schema.minimum = spec.min;
  if (spec.max !== undefined) schema.maximum = spec.max;
  return schema;
}

function listSchema(spec: FieldSpec, items: Schema): Schema {
  return {
    type: 'array',
    items,
    ...(spec.minItems !== undefined ? { minItems: spec.minItems } : {}),
    ...(spec.maxItems !== undefined ? { maxItems: spec.maxItems } : {}),
  };
}

/** The JSON Schema of a field, without nullability (JSON Schema and OpenAPI 3.0 say that differently). */
export function fieldSchema(spec: FieldSpec, closed: boolean, depth: number): Schema {
  const value = valueSchema(spec, closed, depth);
  let schema = spec.array
    ? listSchema(spec, value)
    : spec.oneOrMany
      ? { oneOf: [value, listSchema(spec, value)] }
      : value;
  if (spec.schema) schema = { ...schema, ...spec.schema };
  if (spec.description) schema.description = spec.description;
  if (spec.default !== undefined) schema.default = spec.default;
  return schema;
}

function classSchema(cls: object, closed: boolean, depth: number): Schema {
  const fields = contractFields(cls);
  if (!fields || depth > 8) return { type: 'object' };
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [name, spec] of fields) {
    const schema = fieldSchema(spec, closed, depth);
    // Null as a second schema, not `type: [..., 'null']`: some clients refuse type arrays.
    if (!spec.nullable) properties[name] = schema;
    else {
      const { description, ...value } = schema;
      properties[name] = { oneOf: [value, { type: 'null' }], ...(description ? { description } : {}) };
    }
    if (!spec.optional) required.push(name);
  }
  return {
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    ...(closed ? { additionalProperties: false } : {}),
  };
}

/**
 * JSON Schema of a contract class. `closed`: no other properties (inputs: validation forbids
 * unknown fields); results stay open so a client's validator accepts fields added later.
 * Undefined for a class without `@Prop` fields.
 */
export function contractSchema(cls: object, closed: boolean): Schema | undefined {
  return contractFields(cls) ? classSchema(cls, closed, 0) : undefined;
}

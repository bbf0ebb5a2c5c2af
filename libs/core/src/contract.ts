import 'reflect-metadata';
import { applyDecorators } from '@nestjs/common';
import { Field, Float, ID, Int, registerEnumType, type ReturnTypeFuncValue } from '@nestjs/graphql';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { GraphQLScalarType, valueFromASTUntyped } from 'graphql';

/**
 * One declaration per contract field. `@Prop({...})` states a field's type, bounds and
 * description once and derives from it the class-validator rules (every edge validates through
 * the message manager), the OpenAPI property (`@ApiProperty`), the GraphQL field (`@Field`), and
 * the JSON Schema that MCP tools publish (`jsonSchemaOf`, `resultSchemaOf`). A class decorated
 * with it is at once the DTO, the GraphQL input or object type, and the schema source.
 */

type Schema = Record<string, unknown>;
/** A property decorator as class-validator's `registerDecorator` helpers declare them. */
type PropertyRule = (target: object, propertyName: string) => void;
type ClassType = new (...args: never[]) => object;

/** Any JSON value; GraphQL's `JSON` scalar (metadata, metadata filters, JSON Schemas). */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value: document metadata, metadata filters, JSON Schemas.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables ?? undefined),
});

/** A closed set of strings: a JSON Schema / OpenAPI `enum`, and a GraphQL enum (values upper-cased). */
export interface ContractEnum<V extends string = string> {
  name: string;
  values: readonly V[];
  /** The object registered as the GraphQL enum: `{ LEXICAL: 'lexical', ... }`. */
  graphql: Record<string, V>;
}

export function contractEnum<V extends string>(
  name: string,
  values: readonly V[],
  description?: string,
): ContractEnum<V> {
  const graphql = Object.fromEntries(values.map((value) => [value.toUpperCase(), value])) as Record<
    string,
    V
  >;
  registerEnumType(graphql, { name, description });
  return { name, values, graphql };
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
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: { regex: RegExp; message: string };
  /** Further class-validator rules the bounds above do not say (cross-field, custom). */
  validate?: PropertyRule[];
  /** JSON Schema merged over the derived one, where the type says less than the rule (a `json` field's shape). */
  schema?: Schema;
}

const specs = new WeakMap<object, Map<string, FieldSpec>>();

/** The fields declared with `@Prop` on a class and its ancestors, in declaration order (ancestors first). */
export function contractFields(cls: object): Map<string, FieldSpec> | undefined {
  const chain: object[] = [];
  for (let c: object | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c))
    chain.unshift(c);
  const own = chain.map((c) => specs.get(c)).filter((m): m is Map<string, FieldSpec> => !!m);
  if (own.length === 0) return undefined;
  return new Map(own.flatMap((m) => [...m]));
}

const isEnum = (type: FieldType): type is ContractEnum => typeof type === 'object';
const isClass = (type: FieldType): type is () => ClassType => typeof type === 'function';

function validators(spec: FieldSpec): PropertyRule[] {
  const each = { each: !!spec.array };
  const rules: PropertyRule[] = [];
  if (spec.optional || spec.nullable) rules.push(IsOptional());
  if (spec.array) {
    rules.push(IsArray());
    if (spec.minItems !== undefined) rules.push(ArrayMinSize(spec.minItems));
    if (spec.maxItems !== undefined) rules.push(ArrayMaxSize(spec.maxItems));
  }
  if (!spec.oneOrMany) {
    const { type } = spec;
    if (isClass(type)) rules.push(ValidateNested(each), Type(type));
    else if (isEnum(type)) rules.push(IsIn(type.values as string[], each));
    else if (type === 'string' || type === 'id') rules.push(IsString(each));
    else if (type === 'int') rules.push(IsInt(each));
    else if (type === 'number') rules.push(IsNumber({ allowNaN: false, allowInfinity: false }, each));
    else if (type === 'boolean') rules.push(IsBoolean(each));
    else if (type === 'date') rules.push(IsISO8601({}, each));
    else if (type === 'json' && !spec.validate) rules.push(IsObject(each));
    if (spec.minLength !== undefined && spec.maxLength !== undefined)
      rules.push(Length(spec.minLength, spec.maxLength, each));
    else if (spec.minLength !== undefined) rules.push(MinLength(spec.minLength, each));
    else if (spec.maxLength !== undefined) rules.push(MaxLength(spec.maxLength, each));
    if (spec.pattern) rules.push(Matches(spec.pattern.regex, { ...each, message: spec.pattern.message }));
    if (spec.min !== undefined) rules.push(Min(spec.min, each));
    if (spec.max !== undefined) rules.push(Max(spec.max, each));
  }
  return [...rules, ...(spec.validate ?? [])];
}

function graphqlType(spec: FieldSpec): ReturnTypeFuncValue {
  const { type } = spec;
  const named = isClass(type)
    ? type()
    : isEnum(type)
      ? type.graphql
      : { string: String, date: String, id: ID, int: Int, number: Float, boolean: Boolean, json: JSONScalar }[
          type
        ];
  return spec.array || spec.oneOrMany ? [named] : named;
}

/** The JSON Schema of one value of `type`, with the bounds that apply to each value. */
function valueSchema(spec: FieldSpec, closed: boolean, depth: number): Schema {
  const { type } = spec;
  if (isClass(type)) return classSchema(type(), closed, depth + 1);
  if (isEnum(type)) return { type: 'string', enum: [...type.values] };
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
function fieldSchema(spec: FieldSpec, closed: boolean, depth: number): Schema {
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
    if (!spec.nullable) properties[name] = schema;
    else if (typeof schema.type === 'string' && !schema.properties)
      properties[name] = { ...schema, type: [schema.type, 'null'] };
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

function openApiProperty(spec: FieldSpec): ApiPropertyOptions {
  const common = {
    required: !spec.optional,
    ...(spec.nullable ? { nullable: true } : {}),
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.default !== undefined ? { default: spec.default } : {}),
  };
  const { type } = spec;
  // Nested classes and enums by reference, so they appear once under components.schemas.
  if (isClass(type) && !spec.oneOrMany)
    return {
      ...common,
      type,
      isArray: !!spec.array,
      ...(spec.maxItems !== undefined ? { maxItems: spec.maxItems } : {}),
    } as ApiPropertyOptions;
  if (isEnum(type) && !spec.oneOrMany)
    return { ...common, enum: [...type.values], enumName: type.name, isArray: !!spec.array };
  const { description: _d, default: _default, ...schema } = fieldSchema(spec, false, 0);
  return { ...common, ...schema } as ApiPropertyOptions;
}

/** GraphQL inputs get no default value (a missing field must stay missing): the description says it. */
function graphqlDescription(spec: FieldSpec): string | undefined {
  if (spec.default === undefined || /default/i.test(spec.description ?? '')) return spec.description;
  const value =
    isEnum(spec.type) && typeof spec.default === 'string'
      ? spec.default.toUpperCase()
      : JSON.stringify(spec.default);
  return `${spec.description ?? ''} (default ${value})`.trim();
}

/** Declares a contract field once; see the top of this file for what it derives. */
export function Prop(spec: FieldSpec): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    const name = String(key);
    const fields = specs.get(target.constructor) ?? new Map<string, FieldSpec>();
    fields.set(name, spec);
    specs.set(target.constructor, fields);
    applyDecorators(
      ...(validators(spec) as PropertyDecorator[]),
      ApiProperty(openApiProperty(spec)),
      Field(() => graphqlType(spec), {
        nullable: !!(spec.optional || spec.nullable),
        ...(graphqlDescription(spec) ? { description: graphqlDescription(spec) } : {}),
      }),
    )(target, key);
  };
}

import 'reflect-metadata';
import { applyDecorators } from '@nestjs/common';
import {
  Field,
  Float,
  ID,
  InputType,
  Int,
  registerEnumType,
  type ReturnTypeFuncValue,
} from '@nestjs/graphql';
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
import {
  contractFields,
  declareField,
  fieldSchema,
  isClassType,
  isEnumType,
  type ContractEnum,
  type FieldSpec,
  type PropertyRule,
} from '@quarry/core';

/**
 * One declaration per contract field. `@Prop({...})` states a field's type, bounds and
 * description once and derives from it the class-validator rules (every edge validates through
 * the message manager), the OpenAPI property (`@ApiProperty`), the GraphQL field (`@Field`), and
 * the JSON Schema that MCP tools publish (`jsonSchemaOf`, `resultSchemaOf`). A class decorated
 * with it is at once the DTO, the GraphQL input or object type, and the schema source.
 *
 * A library of its own, not part of @quarry/core: core is loaded by light processes (the test
 * setup, the embedders) that must not load GraphQL and Swagger. @nestjs/graphql keeps its type
 * metadata on `global`; loaded in jest's main realm, that store leaks into every test file run
 * in band, and the second server started in one process fails to build its schema.
 */

/** Any JSON value; GraphQL's `JSON` scalar (metadata, metadata filters, JSON Schemas). */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value: document metadata, metadata filters, JSON Schemas.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables ?? undefined),
});

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

function validators(spec: FieldSpec): PropertyRule[] {
  const each = { each: !!spec.array };
  const rules: PropertyRule[] = [];
  if (spec.optional || spec.nullable) rules.push(IsOptional());
  if (spec.array) {
    rules.push(IsArray());
    if (spec.minItems !== undefined) rules.push(ArrayMinSize(spec.minItems));
    if (spec.maxItems !== undefined) rules.push(ArrayMaxSize(spec.maxItems));
  }
  if (!spec.oneOrMany && !spec.itemsCheckedLater) {
    const { type } = spec;
    if (isClassType(type)) rules.push(ValidateNested(each), Type(type));
    else if (isEnumType(type)) rules.push(IsIn(type.values as string[], each));
    else if (type === 'string' || type === 'id') rules.push(IsString(each));
    else if (type === 'int') rules.push(IsInt(each));
    else if (type === 'number') rules.push(IsNumber({ allowNaN: false, allowInfinity: false }, each));
    else if (type === 'boolean') rules.push(IsBoolean(each));
    else if (type === 'date') rules.push(IsISO8601({}, each));
    else if (type === 'json' && !spec.validate) rules.push(IsObject(each));
    const message = spec.minLengthMessage ? { message: spec.minLengthMessage } : {};
    if (spec.minLength !== undefined && spec.maxLength !== undefined && !spec.minLengthMessage)
      rules.push(Length(spec.minLength, spec.maxLength, each));
    else if (spec.minLength !== undefined) {
      rules.push(MinLength(spec.minLength, { ...each, ...message }));
      if (spec.maxLength !== undefined) rules.push(MaxLength(spec.maxLength, each));
    } else if (spec.maxLength !== undefined) rules.push(MaxLength(spec.maxLength, each));
    if (spec.pattern) rules.push(Matches(spec.pattern.regex, { ...each, message: spec.pattern.message }));
    if (spec.min !== undefined) rules.push(Min(spec.min, each));
    if (spec.max !== undefined) rules.push(Max(spec.max, each));
  }
  return [...rules, ...(spec.validate ?? [])];
}

function graphqlType(spec: FieldSpec): ReturnTypeFuncValue {
  const { type } = spec;
  const named = isClassType(type)
    ? type()
    : isEnumType(type)
      ? type.graphql
      : { string: String, date: String, id: ID, int: Int, number: Float, boolean: Boolean, json: JSONScalar }[
          type
        ];
  return spec.array || spec.oneOrMany ? [named] : named;
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
  if (isClassType(type) && !spec.oneOrMany)
    return {
      ...common,
      type,
      isArray: !!spec.array,
      ...(spec.maxItems !== undefined ? { maxItems: spec.maxItems } : {}),
    } as ApiPropertyOptions;
  if (isEnumType(type) && !spec.oneOrMany)
    return { ...common, enum: [...type.values], enumName: type.name, isArray: !!spec.array };
  const { description: _d, default: _default, ...schema } = fieldSchema(spec, false, 0);
  return { ...common, ...schema } as ApiPropertyOptions;
}

/** GraphQL inputs get no default value (a missing field must stay missing): the description says it. */
function graphqlDescription(spec: FieldSpec): string | undefined {
  if (spec.default === undefined || /default/i.test(spec.description ?? '')) return spec.description;
  const value =
    isEnumType(spec.type) && typeof spec.default === 'string'
      ? spec.default.toUpperCase()
      : JSON.stringify(spec.default);
  return `${spec.description ?? ''} (default ${value})`.trim();
}

/** Declares a contract field once; see the top of this file for what it derives. */
export function Prop(spec: FieldSpec): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    declareField(target.constructor, String(key), spec);
    applyDecorators(
      ...(validators(spec) as PropertyDecorator[]),
      ApiProperty(openApiProperty(spec)),
      Field(() => graphqlType(spec), {
        ...(spec.graphqlName ? { name: spec.graphqlName } : {}),
        nullable: !!(spec.optional || spec.nullable),
        ...(graphqlDescription(spec) ? { description: graphqlDescription(spec) } : {}),
      }),
    )(target, key);
  };
}

/**
 * A base class with some of another input's fields, as declared there (type, bounds, description,
 * rules): `class SavedSearchDefinition extends PickContract(SearchInput, ['mode', 'size'])`.
 * The fields are declared again from the same specs, so validation, OpenAPI, GraphQL and JSON
 * Schema all follow the source.
 */
export function PickContract<T extends object, K extends keyof T & string>(
  source: new () => T,
  keys: readonly K[],
): new () => Pick<T, K> {
  const fields = contractFields(source);
  abstract class Picked {}
  for (const key of keys) {
    const spec = fields?.get(key);
    if (!spec) throw new Error(`${source.name}.${key} is not declared with @Prop`);
    // The property's TypeScript type as the compiler recorded it on the source (Swagger reads it).
    const designType: unknown = Reflect.getMetadata('design:type', source.prototype, key);
    Reflect.defineMetadata('design:type', designType, Picked.prototype, key);
    Prop(spec)(Picked.prototype, key);
  }
  InputType({ isAbstract: true })(Picked);
  Object.defineProperty(Picked, 'name', { value: `${source.name}_${keys.join('_')}` });
  return Picked as unknown as new () => Pick<T, K>;
}

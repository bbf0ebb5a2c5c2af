import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import type { FieldSpec } from '@quarry/core';
import { COLLECTION_PATTERN, LIMITS } from './limits';

function depthOf(value: unknown, depth = 0): number {
  if (value === null || typeof value !== 'object') return depth;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.reduce<number>((max, child) => Math.max(max, depthOf(child, depth + 1)), depth + 1);
}

/** A plain JSON object of bounded size and depth (document metadata). */
export function IsBoundedJsonObject(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isBoundedJsonObject',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          return (
            Buffer.byteLength(JSON.stringify(value)) <= LIMITS.metadataBytes &&
            depthOf(value) <= LIMITS.metadataDepth
          );
        },
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be a JSON object of at most ${LIMITS.metadataBytes} bytes and ${LIMITS.metadataDepth} levels`,
      },
    });
}

/** One collection name or a list of them. */
export function IsCollectionSelector(options?: ValidationOptions) {
  const valid = (name: unknown) =>
    typeof name === 'string' && name.length <= LIMITS.collectionLength && COLLECTION_PATTERN.test(name);
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isCollectionSelector',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate(value: unknown) {
          if (Array.isArray(value))
            return value.length >= 1 && value.length <= LIMITS.collectionsPerQuery && value.every(valid);
          return valid(value);
        },
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be a collection name (lowercase letters, digits, - and _) or a list of 1-${LIMITS.collectionsPerQuery} of them`,
      },
    });
}

/**
 * The metadata-filter rule, declared once: a metadata field name (dots for nested fields), and a
 * scalar or a list of 1-100 scalars (any of). The search input's validation and its JSON Schema
 * (MCP, OpenAPI) are derived from it, and saved-search parameters target the same field names.
 */
export const METADATA_FILTER = {
  /** A field name, unanchored, to build other rules on (`metadata.<field>`). */
  fieldName: '[\\w.-]{1,128}',
  scalarTypes: ['string', 'number', 'boolean'],
  maxValues: 100,
} as const;

const METADATA_FIELD = new RegExp(`^${METADATA_FILTER.fieldName}$`);
const isFilterScalar = (v: unknown) => (METADATA_FILTER.scalarTypes as readonly string[]).includes(typeof v);

/** Metadata filters: field → scalar or list of scalars. */
export function IsMetadataFilter(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isMetadataFilter',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          return Object.entries(value).every(
            ([key, v]) =>
              METADATA_FIELD.test(key) &&
              (isFilterScalar(v) ||
                (Array.isArray(v) &&
                  v.length > 0 &&
                  v.length <= METADATA_FILTER.maxValues &&
                  v.every(isFilterScalar))),
          );
        },
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must map metadata field names to a string, number, boolean or a list of 1-${METADATA_FILTER.maxValues} of them`,
      },
    });
}

// One `type` per schema: some clients and model providers refuse type arrays.
const FILTER_SCALAR = { oneOf: METADATA_FILTER.scalarTypes.map((type) => ({ type })) };

/** The `@Prop` spec of a metadata-filter field: its validation and its JSON Schema, from METADATA_FILTER. */
export const METADATA_FILTER_FIELD: Pick<FieldSpec, 'type' | 'validate' | 'schema'> = {
  type: 'json',
  validate: [IsMetadataFilter()],
  schema: {
    propertyNames: { pattern: METADATA_FIELD.source },
    additionalProperties: {
      oneOf: [
        ...FILTER_SCALAR.oneOf,
        { type: 'array', items: FILTER_SCALAR, minItems: 1, maxItems: METADATA_FILTER.maxValues },
      ],
    },
  },
};

/**
 * `from + size` within the result window. Put on both fields, so the error names both; without
 * it Elasticsearch refuses the page and the client would see a server error.
 */
export function IsWithinResultWindow(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isWithinResultWindow',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate(_value: unknown, args?: ValidationArguments) {
          const input = (args?.object ?? {}) as { from?: unknown; size?: unknown };
          const from = typeof input.from === 'number' ? input.from : 0;
          const size = typeof input.size === 'number' ? input.size : 10;
          return from + size <= LIMITS.resultWindow;
        },
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property}: from + size must be at most ${LIMITS.resultWindow} (page by narrowing the query instead)`,
      },
    });
}

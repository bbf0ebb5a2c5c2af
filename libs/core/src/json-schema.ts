import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { contractFields, contractSchema } from './contract-schema';

type Schema = Record<string, unknown>;

let cache: Record<string, Schema> | undefined;

function inline(schema: unknown, definitions: Record<string, Schema>, depth = 0): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inline(s, definitions, depth));
  if (!schema || typeof schema !== 'object') return schema;
  const { $ref: ref, ...rest } = schema as { $ref?: string };
  if (ref && depth < 8) {
    const target = definitions[ref.replace('#/definitions/', '')];
    // A custom validator on a union-typed property refers to `Object`, which has no definition:
    // keep what the property's own @JSONSchema says instead of dropping it.
    if (!target) return inline(rest, definitions, depth);
    return {
      ...(inline(target, definitions, depth + 1) as Schema),
      ...(inline(rest, definitions, depth) as Schema),
    };
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(v, definitions, depth)]));
}

/** The schema class-validator-jsonschema derives from a class's validation decorators. */
function validatorSchema(dto: object & { name: string }): Schema {
  cache ??= validationMetadatasToSchemas({ refPointerPrefix: '#/definitions/' }) as Record<string, Schema>;
  let schema = cache[dto.name];
  if (!schema) {
    // DTOs imported after the first call: rebuild once.
    cache = validationMetadatasToSchemas({ refPointerPrefix: '#/definitions/' }) as Record<string, Schema>;
    schema = cache[dto.name] ?? { type: 'object', properties: {} };
  }
  return inline(schema, cache) as Schema;
}

/**
 * A contract class's schema; fields not yet declared with `@Prop` (a class half migrated, a
 * subclass adding plain class-validator fields) come from their validation decorators.
 */
function schemaOf(cls: object & { name: string }, closed: boolean): Schema {
  const declared = contractSchema(cls, closed);
  const legacy = validatorSchema(cls);
  if (!declared) return closed ? { ...legacy, additionalProperties: false } : legacy;
  const fields = contractFields(cls)!;
  const others = Object.entries((legacy.properties ?? {}) as Record<string, Schema>).filter(
    ([name]) => !fields.has(name),
  );
  if (others.length === 0) return declared;
  const required = [
    ...((declared.required as string[] | undefined) ?? []),
    ...((legacy.required as string[] | undefined) ?? []).filter((name) => !fields.has(name)),
  ];
  return {
    ...declared,
    properties: { ...(declared.properties as Schema), ...Object.fromEntries(others) },
    ...(required.length ? { required } : {}),
  };
}

/**
 * JSON Schema of an operation's input class (an MCP tool's `inputSchema`), derived from its
 * `@Prop` declarations (or, for classes not yet declared that way, its class-validator rules).
 * Closed: validation refuses unknown fields.
 */
export function jsonSchemaOf(dto: new () => object): Schema {
  return schemaOf(dto, true);
}

/** JSON Schema of a result class (an MCP tool's `outputSchema`): open to fields added later. */
export function resultSchemaOf(cls: new (...args: never[]) => object): Schema {
  return schemaOf(cls, false);
}

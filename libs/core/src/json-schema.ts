import { validationMetadatasToSchemas } from 'class-validator-jsonschema';

type Schema = Record<string, unknown>;

let cache: Record<string, Schema> | undefined;

function inline(schema: unknown, definitions: Record<string, Schema>, depth = 0): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inline(s, definitions, depth));
  if (!schema || typeof schema !== 'object') return schema;
  const ref = (schema as { $ref?: string }).$ref;
  if (ref && depth < 8) {
    const target = definitions[ref.replace('#/definitions/', '')];
    return target ? inline(target, definitions, depth + 1) : {};
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(v, definitions, depth)]));
}

/**
 * JSON Schema of a class-validator DTO, derived from its decorators: the DTO stays the one
 * source of truth for validation, MCP tool schemas and documentation.
 */
export function jsonSchemaOf(dto: new () => object): Schema {
  cache ??= validationMetadatasToSchemas({ refPointerPrefix: '#/definitions/' }) as Record<string, Schema>;
  let schema = cache[dto.name];
  if (!schema) {
    // DTOs imported after the first call: rebuild once.
    cache = validationMetadatasToSchemas({ refPointerPrefix: '#/definitions/' }) as Record<string, Schema>;
    schema = cache[dto.name] ?? { type: 'object', properties: {} };
  }
  return { ...(inline(schema, cache) as Schema), additionalProperties: false };
}

import { InputType } from '@nestjs/graphql';
import { IsIn } from 'class-validator';
import { InvalidError, jsonSchemaOf, type FieldProblem } from '@quarry/core';
import type { ToolDefinition } from './tool.registry';
import { PickContract, Prop } from '@quarry/contract';
import { METADATA_FILTER, SEARCH, SEARCH_RESULT_SCHEMA, SearchInput, summarizeSearch } from '@quarry/search';

/** A parameter's value becomes a metadata-filter value (or a tag), so it has the filter's scalar types. */
const PARAMETER_TYPES = METADATA_FILTER.scalarTypes;
const RESERVED = ['query', 'size', 'from', 'semanticRatio', 'fusion'];

/** A parameter of a saved-search tool: a value the caller gives, applied as a filter. */
@InputType('SavedSearchParameterInput')
export class SavedSearchParameter {
  @Prop({
    type: 'string',
    pattern: {
      regex: /^[a-z][a-z0-9_]{0,39}$/,
      message: 'name must be lowercase letters, digits and _, starting with a letter',
    },
    description: "the tool argument's name",
  })
  name!: string;

  @Prop({ type: 'string', optional: true, maxLength: 500 })
  description?: string;

  // A string in GraphQL (as before), an enum in JSON Schema and OpenAPI.
  @Prop({
    type: 'string',
    validate: [IsIn(PARAMETER_TYPES as unknown as string[])],
    schema: { enum: [...PARAMETER_TYPES] },
    description: '"string", "number" or "boolean"',
  })
  type!: (typeof PARAMETER_TYPES)[number];

  @Prop({ type: 'boolean', optional: true, default: false })
  required?: boolean;

  @Prop({
    type: 'string',
    pattern: {
      regex: new RegExp(`^(tags|metadata\\.${METADATA_FILTER.fieldName})$`),
      message: 'target must be "tags" or "metadata.<field>"',
    },
    description: '"tags" or "metadata.<field>": where the value filters',
  })
  target!: string;
}

/**
 * What an admin registers: a search with fixed scope, offered to agents as a tool of its own.
 * Its search fields are `search`'s own (declared once in SearchInput); `semanticRatio` and
 * `fusion` are the tool's defaults, a call may name others.
 */
@InputType('SavedSearchToolInput')
export class SavedSearchDefinition extends PickContract(SearchInput, [
  'collection',
  'mode',
  'semanticRatio',
  'fusion',
  'tags',
  'filters',
  'size',
]) {
  @Prop({
    type: 'string',
    pattern: {
      regex: /^[a-z][a-z0-9_]{1,63}$/,
      message: 'name must be 2-64 lowercase letters, digits and _, starting with a letter',
    },
    description: 'the tool name agents see',
  })
  name!: string;

  @Prop({ type: 'string', minLength: 1, maxLength: 1000, description: 'what the tool finds, for agents' })
  description!: string;

  @Prop({ type: () => SavedSearchParameter, array: true, optional: true, maxItems: 10 })
  parameters?: SavedSearchParameter[];
}

/** Checks what class-validator cannot: parameter names unique and not reserved. */
export function checkSavedSearch(
  definition: SavedSearchDefinition,
  builtIn: (name: string) => boolean,
): void {
  const problems: FieldProblem[] = [];
  if (builtIn(definition.name))
    problems.push({ field: 'name', reason: `"${definition.name}" is a built-in tool` });
  const seen = new Set<string>();
  for (const [i, parameter] of (definition.parameters ?? []).entries()) {
    if (RESERVED.includes(parameter.name))
      problems.push({ field: `parameters[${i}].name`, reason: `"${parameter.name}" is reserved` });
    if (seen.has(parameter.name))
      problems.push({ field: `parameters[${i}].name`, reason: `"${parameter.name}" appears twice` });
    if (parameter.target === 'tags' && parameter.type !== 'string') {
      problems.push({ field: `parameters[${i}].type`, reason: 'a tags parameter must be a string' });
    }
    seen.add(parameter.name);
  }
  if (problems.length)
    throw new InvalidError(
      `invalid saved search: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
      problems,
    );
}

type Schema = Record<string, unknown>;

/** A `search` argument's schema, saying this tool's default when its definition fixes one. */
function withDefault(schema: Schema, value: unknown): Schema {
  if (value === undefined) return schema;
  return { ...schema, default: value, description: `${String(schema.description ?? '')}; default ${value}` };
}

/** The tool agents see for a saved search, and how a call becomes a `search` operation. */
export function savedSearchTool(definition: SavedSearchDefinition): ToolDefinition {
  const parameters = definition.parameters ?? [];
  // The arguments a caller may give, as `search` declares them.
  const search = (jsonSchemaOf(SearchInput) as { properties: Record<string, Schema> }).properties;
  const properties: Record<string, unknown> = {
    query: search.query,
    size: withDefault(search.size, definition.size),
    // The weighting is not scope: a caller may tune it as on `search`, within the fixed collections.
    semanticRatio: withDefault(search.semanticRatio, definition.semanticRatio),
    fusion: withDefault(search.fusion, definition.fusion),
  };
  for (const p of parameters)
    properties[p.name] = { type: p.type, ...(p.description ? { description: p.description } : {}) };
  return {
    name: definition.name,
    title: definition.name.replace(/_/g, ' '),
    description: definition.description,
    inputSchema: {
      type: 'object',
      properties,
      required: ['query', ...parameters.filter((p) => p.required).map((p) => p.name)],
      additionalProperties: false,
    },
    outputSchema: SEARCH_RESULT_SCHEMA,
    annotations: { readOnlyHint: true, openWorldHint: false },
    role: 'reader',
    summarize: (result) => summarizeSearch(result as never),
    toEnvelope: (args) => {
      const problems: FieldProblem[] = [];
      for (const key of Object.keys(args)) {
        if (!(key in properties))
          problems.push({ field: key, reason: `unknown parameter of ${definition.name}` });
      }
      for (const p of parameters) {
        const value = args[p.name];
        if (value === undefined) {
          if (p.required) problems.push({ field: p.name, reason: 'is required' });
        } else if (typeof value !== p.type) problems.push({ field: p.name, reason: `must be a ${p.type}` });
      }
      if (problems.length)
        throw new InvalidError(
          `invalid arguments: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
          problems,
        );
      const tags = [...(definition.tags ?? [])];
      const metadata: Record<string, string | number | boolean> = {};
      for (const p of parameters) {
        const value = args[p.name] as string | number | boolean | undefined;
        if (value === undefined) continue;
        if (p.target === 'tags') tags.push(String(value));
        else metadata[p.target.slice('metadata.'.length)] = value;
      }
      const input: Partial<SearchInput> = {
        query: args.query as string,
        mode: definition.mode,
        collection: definition.collection,
        size: (args.size as number | undefined) ?? definition.size,
        semanticRatio: (args.semanticRatio as number | undefined) ?? definition.semanticRatio,
        fusion: (args.fusion as SearchInput['fusion']) ?? definition.fusion,
        ...(tags.length ? { tags } : {}),
        filters: {
          ...(definition.filters ?? {}),
          metadata: { ...(definition.filters?.metadata ?? {}), ...metadata },
        },
      };
      return { op: SEARCH, args: JSON.parse(JSON.stringify(input)) };
    },
  };
}

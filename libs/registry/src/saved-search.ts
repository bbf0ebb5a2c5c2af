import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { InvalidError, type FieldProblem, type ToolDefinition } from '@quarry/core';
import { FUSION_METHODS, type FusionMethod } from './fusion';
import { LIMITS } from './limits';
import { SEARCH_MODES, SearchFilters, type SearchInput, type SearchMode } from './search.dto';
import { IsCollectionSelector } from './validators';
import { SEARCH_RESULT_SCHEMA } from './output-schemas';
import { summarizeSearch } from './search.operations';

const PARAMETER_TYPES = ['string', 'number', 'boolean'] as const;
const RESERVED = ['query', 'size', 'from', 'semanticRatio', 'fusion'];

/** A parameter of a saved-search tool: a value the caller gives, applied as a filter. */
export class SavedSearchParameter {
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{0,39}$/, {
    message: 'name must be lowercase letters, digits and _, starting with a letter',
  })
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @IsIn(PARAMETER_TYPES as unknown as string[])
  type!: (typeof PARAMETER_TYPES)[number];

  @IsOptional()
  @IsBoolean()
  required?: boolean;

  @IsString()
  @Matches(/^(tags|metadata\.[\w.-]{1,128})$/, { message: 'target must be "tags" or "metadata.<field>"' })
  target!: string;
}

/** What an admin registers: a search with fixed scope, offered to agents as a tool of its own. */
export class SavedSearchDefinition {
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{1,63}$/, {
    message: 'name must be 2-64 lowercase letters, digits and _, starting with a letter',
  })
  name!: string;

  @IsString()
  @Length(1, 1000)
  description!: string;

  @IsOptional()
  @IsCollectionSelector()
  collection?: string | string[];

  @IsOptional()
  @IsIn(SEARCH_MODES as unknown as string[])
  mode?: SearchMode;

  /** The hybrid weighting of this tool's searches (a call may name another, as on `search`). */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  semanticRatio?: number;

  @IsOptional()
  @IsIn(FUSION_METHODS as unknown as string[])
  fusion?: FusionMethod;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.tags)
  @IsString({ each: true })
  tags?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => SearchFilters)
  filters?: SearchFilters;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(LIMITS.maxSize)
  size?: number;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => SavedSearchParameter)
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

/** The tool agents see for a saved search, and how a call becomes a `search` operation. */
export function savedSearchTool(definition: SavedSearchDefinition): ToolDefinition {
  const parameters = definition.parameters ?? [];
  const properties: Record<string, unknown> = {
    query: { type: 'string', minLength: 1, maxLength: LIMITS.queryLength, description: 'What to look for' },
    size: { type: 'integer', minimum: 1, maximum: LIMITS.maxSize, description: 'How many hits (default 10)' },
    // The weighting is not scope: a caller may tune it as on `search`, within the fixed collections.
    semanticRatio: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      description: `Hybrid only: weight of meaning against words, 0..1 (0 = exactly the lexical ranking, 1 = exactly the semantic one)${definition.semanticRatio === undefined ? '' : `; default ${definition.semanticRatio}`}`,
    },
    fusion: {
      type: 'string',
      enum: [...FUSION_METHODS],
      description: `Hybrid only: relative = blend of standardised scores, rrf = reciprocal rank fusion (ranks only)${definition.fusion ? `; default ${definition.fusion}` : ''}`,
    },
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
        fusion: (args.fusion as FusionMethod | undefined) ?? definition.fusion,
        ...(tags.length ? { tags } : {}),
        filters: {
          ...(definition.filters ?? {}),
          metadata: { ...(definition.filters?.metadata ?? {}), ...metadata },
        },
      };
      return { op: 'search', args: JSON.parse(JSON.stringify(input)) };
    },
  };
}

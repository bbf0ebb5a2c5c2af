import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { LIMITS } from './limits';
import { JSONSchema } from 'class-validator-jsonschema';
import { IsCollectionSelector, IsMetadataFilter } from './validators';
import type { ChunkLocation } from './structured-chunker';

export const SEARCH_MODES = ['lexical', 'semantic', 'hybrid'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export class SearchFilters {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'metadata field → value or list of values (any of)',
  })
  @IsOptional()
  @IsMetadataFilter()
  @JSONSchema({
    type: 'object',
    description: 'metadata field → value or list of values (any of)',
    additionalProperties: {
      oneOf: [
        { type: ['string', 'number', 'boolean'] },
        { type: 'array', items: { type: ['string', 'number', 'boolean'] } },
      ],
    },
  })
  metadata?: Record<string, string | number | boolean | (string | number | boolean)[]>;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601()
  createdAfter?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601()
  createdBefore?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601()
  updatedAfter?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601()
  updatedBefore?: string;

  @ApiPropertyOptional({ type: [String], description: 'only documents with any of these sources' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  source?: string[];
}

/** Search input, the same on every edge. */
export class SearchInput {
  @ApiProperty({
    description: 'Query text; `@name` words scope it to collections (`@runbooks disk full`)',
    maxLength: LIMITS.queryLength,
  })
  @IsString()
  @Length(1, LIMITS.queryLength)
  @JSONSchema({
    description: 'What to look for; `@name` words scope the search to collections (`@runbooks disk full`)',
  })
  query!: string;

  @ApiPropertyOptional({ enum: SEARCH_MODES, default: 'hybrid' })
  @IsOptional()
  @IsIn(SEARCH_MODES as unknown as string[])
  @JSONSchema({
    description: 'lexical = words (BM25), semantic = meaning (embeddings), hybrid = both (default)',
  })
  mode?: SearchMode;

  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  @IsOptional()
  @IsCollectionSelector()
  @JSONSchema({
    description: 'collection name or list of names',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
  })
  collection?: string | string[];

  @ApiPropertyOptional({ type: [String], description: 'documents must carry all of these tags' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.tags)
  @IsString({ each: true })
  @MaxLength(LIMITS.tagLength, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ type: SearchFilters })
  @IsOptional()
  @ValidateNested()
  @Type(() => SearchFilters)
  filters?: SearchFilters;

  @ApiPropertyOptional({ default: 10, minimum: 1, maximum: LIMITS.maxSize })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(LIMITS.maxSize)
  size?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: LIMITS.maxFrom })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(LIMITS.maxFrom)
  from?: number;

  @ApiPropertyOptional({ default: true, description: 'return highlighted fragments' })
  @IsOptional()
  @IsBoolean()
  highlight?: boolean;
}

export interface SearchHit {
  id: string;
  score: number;
  title: string | null;
  snippet: string;
  highlights: string[];
  collection: string;
  tags: string[];
  metadata: Record<string, unknown>;
  /** Where in the document the snippet is: page, heading path, lines, and the chunk to read around. */
  location?: ChunkLocation & { chunk?: number };
}

export interface FacetBucket {
  value: string;
  count: number;
}

export interface SearchResult {
  hits: SearchHit[];
  total: number;
  tookMs: number;
  mode: SearchMode;
  facets: { collection: FacetBucket[]; tags: FacetBucket[] };
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
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
import { FUSION_METHODS, type FusionMethod, type RetrieverPosition } from './fusion';
import { IsCollectionSelector, IsMetadataFilter, IsWithinResultWindow } from './validators';
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

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 1,
    description: 'hybrid only: share of meaning in the ranking (0 = lexical ranking, 1 = semantic ranking)',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  @JSONSchema({
    description:
      'Hybrid only: weight of meaning against words, 0..1 (0 = exactly the lexical ranking, 1 = exactly the semantic one)',
  })
  semanticRatio?: number;

  @ApiPropertyOptional({ enum: FUSION_METHODS, description: 'hybrid only: how the two rankings are fused' })
  @IsOptional()
  @IsIn(FUSION_METHODS as unknown as string[])
  @JSONSchema({
    description:
      'Hybrid only: relative = blend of normalised scores, rrf = reciprocal rank fusion (ranks only)',
  })
  fusion?: FusionMethod;

  @ApiPropertyOptional({ default: false, description: "each hit's lexical and semantic rank and score" })
  @IsOptional()
  @IsBoolean()
  @JSONSchema({
    description: "Add each hit's lexical and semantic rank and score (why it ranks where it does)",
  })
  explain?: boolean;

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
  @IsWithinResultWindow()
  size?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: LIMITS.maxFrom })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(LIMITS.maxFrom)
  @IsWithinResultWindow()
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
  /** With `explain: true`: where the hit stood in each retriever's list (null = not found by it). */
  explain?: HitExplanation;
  /** Where in the document the snippet is: page, heading path, lines, and the chunk to read around. */
  location?: ChunkLocation & { chunk?: number };
}

export interface HitExplanation {
  lexical: RetrieverPosition | null;
  semantic: RetrieverPosition | null;
  /** Hybrid only: the fusion that produced `score`. */
  fusion?: { method: FusionMethod; semanticRatio: number };
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

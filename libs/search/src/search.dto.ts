import { ApiSchema } from '@nestjs/swagger';
import { InputType, ObjectType } from '@nestjs/graphql';
import { contractEnum, Prop } from '@quarry/contract';
import { COLLECTION_PATTERN, LIMITS } from './limits';
import { DEFAULT_FUSION, FUSION_METHODS, type FusionMethod, type RetrieverPosition } from './fusion';
import { IsCollectionSelector, IsWithinResultWindow, METADATA_FILTER_FIELD } from './validators';
import type { ChunkLocation } from './structured-chunker';

/*
 * The search contract, declared once: each `@Prop` gives validation (every edge), the OpenAPI
 * property, the GraphQL field and the MCP JSON Schema (see libs/core/src/contract.ts).
 */

export const SEARCH_MODES = ['lexical', 'semantic', 'hybrid'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export const SEARCH_MODE = contractEnum(
  'SearchMode',
  SEARCH_MODES,
  'LEXICAL = words (BM25), SEMANTIC = meaning (embeddings), HYBRID = both, fused (default).',
);

export const FUSION = contractEnum(
  'Fusion',
  FUSION_METHODS,
  'RELATIVE = blend of normalised scores, RRF = reciprocal rank fusion (ranks only).',
);

/** A date alone, as an upper bound, includes that day. */
const DATE_BOUND = 'ISO 8601 date or date-time';

@InputType('SearchFilters')
export class SearchFilters {
  @Prop({
    ...METADATA_FILTER_FIELD,
    optional: true,
    description: 'metadata field → value or list of values (any of)',
  })
  metadata?: Record<string, string | number | boolean | (string | number | boolean)[]>;

  @Prop({ type: 'date', optional: true, description: `created at or after (${DATE_BOUND})` })
  createdAfter?: string;

  @Prop({
    type: 'date',
    optional: true,
    description: `created before (${DATE_BOUND}; a date alone includes that day)`,
  })
  createdBefore?: string;

  @Prop({ type: 'date', optional: true, description: `updated at or after (${DATE_BOUND})` })
  updatedAfter?: string;

  @Prop({
    type: 'date',
    optional: true,
    description: `updated before (${DATE_BOUND}; a date alone includes that day)`,
  })
  updatedBefore?: string;

  @Prop({
    type: 'string',
    array: true,
    optional: true,
    maxItems: 100,
    description: 'only documents with any of these sources',
  })
  source?: string[];
}

/** Search input, the same on every edge. */
@InputType('SearchInput')
export class SearchInput {
  @Prop({
    type: 'string',
    minLength: 1,
    maxLength: LIMITS.queryLength,
    description: 'What to look for; `@name` words scope the search to collections (`@runbooks disk full`)',
  })
  query!: string;

  @Prop({
    type: SEARCH_MODE,
    optional: true,
    default: 'hybrid',
    description: 'lexical = words (BM25), semantic = meaning (embeddings), hybrid = both (default)',
  })
  mode?: SearchMode;

  @Prop({
    type: 'number',
    optional: true,
    min: 0,
    max: 1,
    // Published (JSON schema default, GraphQL "(default …)") so clients show the server's weighting.
    default: DEFAULT_FUSION.semanticRatio,
    description:
      'Hybrid only: weight of meaning against words, 0..1 (0 = exactly the lexical ranking, 1 = exactly the semantic one)',
  })
  semanticRatio?: number;

  @Prop({
    type: FUSION,
    optional: true,
    description:
      'Hybrid only: relative = blend of normalised scores, rrf = reciprocal rank fusion (ranks only)',
  })
  fusion?: FusionMethod;

  @Prop({
    type: 'boolean',
    optional: true,
    default: false,
    description: "Add each hit's lexical and semantic rank and score (why it ranks where it does)",
  })
  explain?: boolean;

  @Prop({
    type: 'string',
    oneOrMany: true,
    optional: true,
    maxLength: LIMITS.collectionLength,
    pattern: {
      regex: COLLECTION_PATTERN,
      message: 'collection names are lowercase letters, digits, - and _',
    },
    minItems: 1,
    maxItems: LIMITS.collectionsPerQuery,
    description: 'collection name or list of names',
    validate: [IsCollectionSelector()],
  })
  collection?: string | string[];

  @Prop({
    type: 'string',
    array: true,
    optional: true,
    maxItems: LIMITS.tags,
    maxLength: LIMITS.tagLength,
    description: 'documents must carry all of these tags',
  })
  tags?: string[];

  @Prop({ type: () => SearchFilters, optional: true, description: 'metadata, date and source filters' })
  filters?: SearchFilters;

  @Prop({
    type: 'int',
    optional: true,
    min: 1,
    max: LIMITS.maxSize,
    default: 10,
    description: `hits per page, 1-${LIMITS.maxSize}; from + size at most ${LIMITS.resultWindow}`,
    validate: [IsWithinResultWindow()],
  })
  size?: number;

  @Prop({
    type: 'int',
    optional: true,
    min: 0,
    max: LIMITS.maxFrom,
    default: 0,
    description: 'offset of the first hit',
    validate: [IsWithinResultWindow()],
  })
  from?: number;

  @Prop({ type: 'boolean', optional: true, default: true, description: 'return highlighted fragments' })
  highlight?: boolean;
}

@ObjectType('RetrieverPosition', { description: "Where a hit stood in one retriever's list." })
@ApiSchema({ name: 'RetrieverPosition' })
export class HitRetrieverPosition {
  @Prop({ type: 'int', description: 'from 1' })
  rank!: number;

  @Prop({ type: 'number' })
  score!: number;
}

@ObjectType('HitFusion')
export class HitFusion {
  @Prop({ type: FUSION })
  method!: FusionMethod;

  @Prop({ type: 'number' })
  semanticRatio!: number;

  @Prop({
    type: 'boolean',
    optional: true,
    description:
      "relative: whether the words had a say; false when their list's leader did not stand out beyond chance, so meaning alone ranked this query",
  })
  wordsCounted?: boolean;
}

@ObjectType('HitExplanation', { description: 'Why a hit ranks where it does.' })
export class HitExplanation {
  @Prop({ type: () => HitRetrieverPosition, nullable: true, description: 'null: not found by words' })
  lexical!: RetrieverPosition | null;

  @Prop({
    type: () => HitRetrieverPosition,
    nullable: true,
    description: 'null: not among the nearest by meaning',
  })
  semantic!: RetrieverPosition | null;

  @Prop({ type: () => HitFusion, optional: true, description: 'hybrid: the fusion that gave the score' })
  fusion?: { method: FusionMethod; semanticRatio: number; wordsCounted?: boolean };
}

@ObjectType('HitLocation', { description: 'Where in its document a chunk (or a hit) is.' })
export class HitLocation {
  @Prop({ type: 'int', optional: true, description: '1-based page of the file (PDF)' })
  page?: number;

  @Prop({
    type: 'string',
    optional: true,
    description:
      'the number printed on that page (its PDF page label, e.g. "iv" or "17"), where it differs from page',
  })
  pageLabel?: string;

  @Prop({ type: 'string', array: true, optional: true, description: 'heading path, outermost first' })
  heading?: string[];

  @Prop({ type: 'int', array: true, optional: true, description: 'first and last line of the body' })
  lines?: number[];

  @Prop({
    type: 'int',
    optional: true,
    description: 'the chunk: pass it to get_document (GraphQL document(chunk:)) to read around it',
  })
  chunk?: number;
}

@ObjectType('SearchHit')
export class SearchHit {
  @Prop({ type: 'id' })
  id!: string;

  @Prop({ type: 'number' })
  score!: number;

  @Prop({ type: 'string', nullable: true })
  title!: string | null;

  @Prop({ type: 'string', description: 'HTML-escaped text with <em> around matches' })
  snippet!: string;

  @Prop({ type: 'string', array: true })
  highlights!: string[];

  @Prop({ type: 'string' })
  collection!: string;

  @Prop({ type: 'string', array: true })
  tags!: string[];

  @Prop({ type: 'json' })
  metadata!: Record<string, unknown>;

  /** With `explain: true`: where the hit stood in each retriever's list (null = not found by it). */
  @Prop({ type: () => HitExplanation, optional: true, description: 'with explain: true' })
  explain?: HitExplanation;

  /** Where in the document the snippet is: page, heading path, lines, and the chunk to read around. */
  @Prop({
    type: () => HitLocation,
    optional: true,
    description: 'page, heading path and lines of the snippet',
  })
  location?: ChunkLocation & { chunk?: number };
}

@ObjectType('FacetBucket')
export class FacetBucket {
  @Prop({ type: 'string' })
  value!: string;

  @Prop({ type: 'int' })
  count!: number;
}

@ObjectType('Facets')
export class SearchFacets {
  @Prop({ type: () => FacetBucket, array: true })
  collection!: FacetBucket[];

  @Prop({ type: () => FacetBucket, array: true })
  tags!: FacetBucket[];
}

@ObjectType('SearchResult')
export class SearchResult {
  @Prop({ type: () => SearchHit, array: true })
  hits!: SearchHit[];

  @Prop({ type: 'int' })
  total!: number;

  @Prop({ type: 'int' })
  tookMs!: number;

  @Prop({ type: SEARCH_MODE })
  mode!: SearchMode;

  @Prop({ type: () => SearchFacets })
  facets!: SearchFacets;
}

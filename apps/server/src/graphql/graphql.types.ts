import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLScalarType, valueFromASTUntyped } from 'graphql';

/**
 * The GraphQL shapes of Quarry's contract (ARCHITECTURE.md). They only describe; validation is
 * the operations' class-validator DTOs, run by the message manager for every edge alike.
 */

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value: document metadata, metadata filters, JSON Schemas.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables ?? undefined),
});

export enum SearchModeValue {
  LEXICAL = 'lexical',
  SEMANTIC = 'semantic',
  HYBRID = 'hybrid',
}

registerEnumType(SearchModeValue, {
  name: 'SearchMode',
  description: 'LEXICAL = words (BM25), SEMANTIC = meaning (embeddings), HYBRID = both, fused (default).',
});

export enum FusionValue {
  RRF = 'rrf',
  RELATIVE = 'relative',
}

registerEnumType(FusionValue, {
  name: 'Fusion',
  description: 'RELATIVE = blend of normalised scores, RRF = reciprocal rank fusion (ranks only).',
});

export enum IngestStatusValue {
  CREATED = 'created',
  UPDATED = 'updated',
  UNCHANGED = 'unchanged',
  FAILED = 'failed',
}

registerEnumType(IngestStatusValue, { name: 'IngestStatus' });

@InputType('SearchFilters')
export class SearchFiltersInputType {
  @Field(() => JSONScalar, {
    nullable: true,
    description: 'metadata field → value or list of values (any of)',
  })
  metadata?: Record<string, unknown>;

  @Field({ nullable: true, description: 'ISO 8601' })
  createdAfter?: string;

  @Field({ nullable: true, description: 'ISO 8601; a date alone includes that day' })
  createdBefore?: string;

  @Field({ nullable: true, description: 'ISO 8601' })
  updatedAfter?: string;

  @Field({ nullable: true, description: 'ISO 8601; a date alone includes that day' })
  updatedBefore?: string;

  @Field(() => [String], { nullable: true, description: 'only documents with any of these sources' })
  source?: string[];
}

@InputType('SearchInput')
export class SearchInputType {
  @Field({ description: 'What to look for; `@name` words scope it to collections (`@runbooks disk full`)' })
  query!: string;

  @Field(() => SearchModeValue, { nullable: true, description: 'default HYBRID' })
  mode?: SearchModeValue;

  @Field(() => Float, {
    nullable: true,
    description: 'HYBRID only: weight of meaning, 0..1 (0 = the lexical ranking, 1 = the semantic ranking)',
  })
  semanticRatio?: number;

  @Field(() => FusionValue, { nullable: true, description: 'HYBRID only: how the two rankings are fused' })
  fusion?: FusionValue;

  @Field({
    nullable: true,
    description: "add each hit's lexical and semantic rank and score (default false)",
  })
  explain?: boolean;

  @Field(() => [String], { nullable: true, description: 'collection name or names' })
  collection?: string[];

  @Field(() => [String], { nullable: true, description: 'documents must carry all of these tags' })
  tags?: string[];

  @Field(() => SearchFiltersInputType, { nullable: true })
  filters?: SearchFiltersInputType;

  @Field(() => Int, { nullable: true, description: 'hits per page, 1-100 (default 10)' })
  size?: number;

  @Field(() => Int, { nullable: true, description: 'offset of the first hit (default 0)' })
  from?: number;

  @Field({ nullable: true, description: 'return highlighted fragments (default true)' })
  highlight?: boolean;
}

@ObjectType('Document')
export class DocumentType {
  @Field(() => ID)
  id!: string;

  @Field()
  collection!: string;

  @Field(() => String, { nullable: true })
  title!: string | null;

  @Field()
  body!: string;

  @Field(() => [String])
  tags!: string[];

  @Field(() => String, { nullable: true })
  source!: string | null;

  @Field(() => JSONScalar)
  metadata!: Record<string, unknown>;

  @Field({ description: 'ISO 8601' })
  createdAt!: string;

  @Field({ description: 'ISO 8601' })
  updatedAt!: string;

  @Field(() => Int, { nullable: true, description: 'chunks embedded for semantic search' })
  chunkCount!: number | null;

  @Field(() => ExcerptType, { nullable: true, description: 'set when only part of the body was asked for' })
  excerpt?: ExcerptType | null;
}

@ObjectType('HitLocation', { description: 'Where in its document a chunk (or a hit) is.' })
export class HitLocationType {
  @Field(() => Int, { nullable: true, description: '1-based page (PDF)' })
  page?: number;

  @Field(() => [String], { nullable: true, description: 'heading path, outermost first' })
  heading?: string[];

  @Field(() => [Int], { nullable: true, description: 'first and last line of the body' })
  lines?: number[];

  @Field(() => Int, {
    nullable: true,
    description: 'the chunk: pass it to document(chunk:) to read around it',
  })
  chunk?: number;
}

@ObjectType('Excerpt', {
  description: 'The part of a body a document(chunk:, offset:, maxChars:) read returned.',
})
export class ExcerptType {
  @Field(() => Int, { description: 'first character of the body returned' })
  start!: number;

  @Field(() => Int, { description: 'character after the last one returned' })
  end!: number;

  @Field(() => Int)
  bodyLength!: number;

  @Field()
  truncated!: boolean;

  @Field(() => [HitLocationType], { nullable: true, description: 'the chunks included' })
  chunks?: HitLocationType[];
}

@ObjectType('RetrieverPosition', { description: "Where a hit stood in one retriever's list." })
export class RetrieverPositionType {
  @Field(() => Int, { description: 'from 1' })
  rank!: number;

  @Field(() => Float)
  score!: number;
}

@ObjectType('HitFusion')
export class HitFusionType {
  @Field(() => FusionValue)
  method!: `${FusionValue}`;

  @Field(() => Float)
  semanticRatio!: number;
}

@ObjectType('HitExplanation', { description: 'Why a hit ranks where it does.' })
export class HitExplanationType {
  @Field(() => RetrieverPositionType, { nullable: true, description: 'null: not found by words' })
  lexical!: RetrieverPositionType | null;

  @Field(() => RetrieverPositionType, {
    nullable: true,
    description: 'null: not among the nearest by meaning',
  })
  semantic!: RetrieverPositionType | null;

  @Field(() => HitFusionType, { nullable: true, description: 'HYBRID: the fusion that gave the score' })
  fusion?: HitFusionType;
}

@ObjectType('SearchHit')
export class SearchHitType {
  @Field(() => ID)
  id!: string;

  @Field(() => Float)
  score!: number;

  @Field(() => String, { nullable: true })
  title!: string | null;

  @Field({ description: 'HTML-escaped text with <em> around matches' })
  snippet!: string;

  @Field(() => [String])
  highlights!: string[];

  @Field()
  collection!: string;

  @Field(() => [String])
  tags!: string[];

  @Field(() => JSONScalar)
  metadata!: Record<string, unknown>;

  @Field(() => HitExplanationType, { nullable: true, description: 'with explain: true' })
  explain?: HitExplanationType;

  @Field(() => HitLocationType, {
    nullable: true,
    description: 'page, heading path and lines of the snippet',
  })
  location?: HitLocationType;
}

@ObjectType('FacetBucket')
export class FacetBucketType {
  @Field()
  value!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType('Facets')
export class FacetsType {
  @Field(() => [FacetBucketType])
  collection!: FacetBucketType[];

  @Field(() => [FacetBucketType])
  tags!: FacetBucketType[];
}

@ObjectType('SearchResult')
export class SearchResultType {
  @Field(() => [SearchHitType])
  hits!: SearchHitType[];

  @Field(() => Int)
  total!: number;

  @Field(() => Int)
  tookMs!: number;

  @Field(() => SearchModeValue)
  mode!: SearchModeValue;

  @Field(() => FacetsType)
  facets!: FacetsType;
}

@ObjectType('Collection')
export class CollectionType {
  @Field()
  name!: string;

  @Field(() => Int)
  documents!: number;
}

@InputType('DocumentInput')
export class DocumentInputType {
  @Field(() => ID, { nullable: true, description: 'stable id; generated when missing' })
  id?: string;

  @Field({ nullable: true })
  title?: string;

  @Field()
  body!: string;

  @Field({ nullable: true, description: 'default "default"' })
  collection?: string;

  @Field(() => [String], { nullable: true })
  tags?: string[];

  @Field({ nullable: true, description: 'where the document came from (URL, path)' })
  source?: string;

  @Field(() => JSONScalar, { nullable: true })
  metadata?: Record<string, unknown>;
}

@ObjectType('FieldProblem')
export class FieldProblemType {
  @Field()
  field!: string;

  @Field()
  reason!: string;
}

@ObjectType('IngestResultItem')
export class IngestResultItemType {
  @Field(() => Int, { description: 'position of the document in the request' })
  index!: number;

  @Field(() => ID, { nullable: true })
  id?: string;

  @Field(() => IngestStatusValue)
  status!: IngestStatusValue;

  @Field(() => Int, { nullable: true })
  chunks?: number;

  @Field({ nullable: true, description: 'why this document failed' })
  error?: string;

  @Field(() => [FieldProblemType], { nullable: true })
  problems?: FieldProblemType[];
}

@ObjectType('IngestResult')
export class IngestResultType {
  @Field(() => [IngestResultItemType])
  items!: IngestResultItemType[];

  @Field(() => Int)
  indexed!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  tookMs!: number;
}

@ObjectType('DeleteResult')
export class DeleteResultType {
  @Field(() => ID)
  id!: string;

  @Field()
  deleted!: boolean;
}

@ObjectType('Tool')
export class ToolType {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  title?: string;

  @Field()
  description!: string;

  @Field(() => JSONScalar, { description: 'JSON Schema of the arguments' })
  inputSchema!: Record<string, unknown>;

  @Field(() => JSONScalar, { nullable: true })
  annotations?: Record<string, unknown>;

  @Field({ description: 'built in (false: a saved search)' })
  builtIn!: boolean;
}

@ObjectType('PromptArgument')
export class PromptArgumentType {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string;

  @Field(() => Boolean, { nullable: true })
  required?: boolean;
}

@ObjectType('Prompt')
export class PromptType {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  title?: string;

  @Field(() => String, { nullable: true })
  description?: string;

  @Field(() => [PromptArgumentType])
  arguments!: PromptArgumentType[];
}

@ObjectType('RegistryEntry')
export class RegistryEntryType {
  @Field()
  name!: string;

  @Field(() => Int)
  version!: number;
}

@InputType('SavedSearchParameterInput')
export class SavedSearchParameterInputType {
  @Field()
  name!: string;

  @Field({ nullable: true })
  description?: string;

  @Field({ description: '"string", "number" or "boolean"' })
  type!: string;

  @Field({ nullable: true })
  required?: boolean;

  @Field({ description: '"tags" or "metadata.<field>"' })
  target!: string;
}

@InputType('SavedSearchToolInput')
export class SavedSearchToolInputType {
  @Field()
  name!: string;

  @Field()
  description!: string;

  @Field(() => [String], { nullable: true })
  collection?: string[];

  @Field(() => SearchModeValue, { nullable: true })
  mode?: SearchModeValue;

  @Field(() => [String], { nullable: true })
  tags?: string[];

  @Field(() => SearchFiltersInputType, { nullable: true })
  filters?: SearchFiltersInputType;

  @Field(() => Int, { nullable: true })
  size?: number;

  @Field(() => [SavedSearchParameterInputType], { nullable: true })
  parameters?: SavedSearchParameterInputType[];
}

@InputType('PromptArgumentInput')
export class PromptArgumentInputType {
  @Field()
  name!: string;

  @Field({ nullable: true })
  description?: string;

  @Field({ nullable: true })
  required?: boolean;
}

@InputType('PromptMessageInput')
export class PromptMessageInputType {
  @Field({ description: '"user" or "assistant"' })
  role!: string;

  @Field({
    description:
      'Mustache template: {{argument}}, {{#argument}}...{{/argument}}, {{^argument}}...{{/argument}}',
  })
  text!: string;
}

@InputType('PromptTemplateInput')
export class PromptTemplateInputType {
  @Field()
  name!: string;

  @Field({ nullable: true })
  title?: string;

  @Field({ nullable: true })
  description?: string;

  @Field(() => [PromptArgumentInputType])
  arguments!: PromptArgumentInputType[];

  @Field(() => [PromptMessageInputType])
  messages!: PromptMessageInputType[];
}

@ObjectType('LiveHit', { description: 'A hit of a live search, and why it was sent.' })
export class LiveHitType {
  @Field({ description: '"new", "updated" or "deleted"' })
  change!: string;

  @Field(() => SearchHitType)
  hit!: SearchHitType;

  @Field(() => ID)
  subscriptionId!: string;

  @Field(() => Int, {
    description:
      'events dropped just before this one because the client was too slow (re-run the search if > 0)',
  })
  dropped!: number;
}

@ObjectType('DocumentChange')
export class DocumentChangeType {
  @Field(() => ID)
  id!: string;

  @Field({ description: '"new", "updated" or "deleted"' })
  change!: string;

  @Field()
  collection!: string;

  @Field(() => Int, { description: 'events dropped just before this one because the client was too slow' })
  dropped!: number;
}

@ObjectType('IngestProgress')
export class IngestProgressType {
  @Field(() => ID)
  jobId!: string;

  @Field(() => Int)
  done!: number;

  @Field(() => Int)
  total!: number;

  @Field(() => String, { nullable: true })
  message?: string;

  @Field({ description: 'true on the last report' })
  finished!: boolean;

  @Field(() => Int, { nullable: true })
  indexed?: number;

  @Field(() => Int, { nullable: true })
  failed?: number;

  @Field(() => String, { nullable: true, description: 'why the job failed as a whole' })
  error?: string;

  @Field(() => Int)
  dropped!: number;
}

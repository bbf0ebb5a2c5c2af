import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { JSONScalar } from '@quarry/contract';
import {
  CollectionCount,
  DeleteResult,
  DocumentAccess,
  DocumentInput,
  FieldProblemResult,
  HitExplanation,
  HitFusion,
  INGEST_STATUS,
  IngestResult,
  IngestResultItem,
  HitLocation,
  HitRetrieverPosition,
  FacetBucket,
  SearchFacets,
  SearchFilters,
  SearchHit,
  SearchInput,
  SearchResult,
} from '@quarry/search';
import {
  PromptArgumentInput,
  PromptMessageInput,
  PromptTemplateInput,
  SavedSearchDefinition,
  SavedSearchParameter,
} from '@quarry/registry';
import type { ToolAnnotations } from '@quarry/core';

/**
 * GraphQL types of Quarry's contract. The inputs and results declared with `@Prop` (search,
 * documents, ingest results, saved-search tools, prompt templates) are the DTO classes
 * themselves, re-exported here under the names the resolvers use; the classes below are the
 * GraphQL-only views not declared that way yet (the camelCase Document, registry listings, live
 * events).
 */
export {
  JSONScalar,
  SearchFilters as SearchFiltersInputType,
  SearchInput as SearchInputType,
  HitLocation as HitLocationType,
  HitRetrieverPosition as RetrieverPositionType,
  HitFusion as HitFusionType,
  HitExplanation as HitExplanationType,
  SearchHit as SearchHitType,
  FacetBucket as FacetBucketType,
  SearchFacets as FacetsType,
  SearchResult as SearchResultType,
  DocumentInput as DocumentInputType,
  FieldProblemResult as FieldProblemType,
  IngestResultItem as IngestResultItemType,
  IngestResult as IngestResultType,
  DeleteResult as DeleteResultType,
  CollectionCount as CollectionType,
  SavedSearchParameter as SavedSearchParameterInputType,
  SavedSearchDefinition as SavedSearchToolInputType,
  PromptArgumentInput as PromptArgumentInputType,
  PromptMessageInput as PromptMessageInputType,
  PromptTemplateInput as PromptTemplateInputType,
};

/** IngestStatus values by GraphQL name (`IngestStatusValue.FAILED`). */
export const IngestStatusValue = INGEST_STATUS.graphql;

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

  @Field(() => DocumentAccess, {
    nullable: true,
    description: 'Who may read it; null: everyone who sees its collection',
  })
  access!: DocumentAccess | null;

  @Field({ description: 'ISO 8601' })
  createdAt!: string;

  @Field({ description: 'ISO 8601' })
  updatedAt!: string;

  @Field(() => Int, { nullable: true, description: 'chunks embedded for semantic search' })
  chunkCount!: number | null;

  @Field(() => ExcerptType, { nullable: true, description: 'set when only part of the body was asked for' })
  excerpt?: ExcerptType | null;
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

  @Field(() => [HitLocation], { nullable: true, description: 'the chunks included' })
  chunks?: HitLocation[];
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
  annotations?: ToolAnnotations;

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

@ObjectType('RegistryDeletion')
export class RegistryDeletionType {
  @Field()
  name!: string;

  @Field()
  deleted!: boolean;
}

@ObjectType('LiveHit', { description: 'A hit of a live search, and why it was sent.' })
export class LiveHitType {
  @Field({ description: '"new", "updated" or "deleted"' })
  change!: string;

  @Field(() => SearchHit)
  hit!: SearchHit;

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

  @Field(() => Int, { nullable: true, description: 'files not readable as text, left out with a reason' })
  skipped?: number;

  @Field(() => String, { nullable: true, description: 'why the job failed as a whole' })
  error?: string;

  @Field(() => Int)
  dropped!: number;
}

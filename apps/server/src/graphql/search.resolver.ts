import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { NotFoundError } from '@quarry/core';
import { LiveQueryService } from '@quarry/live';
import {
  DELETE_DOCUMENT,
  GET_DOCUMENT,
  INDEX_DOCUMENTS,
  LIST_COLLECTIONS,
  SEARCH,
  ingestCost,
  searchCost,
  type Excerpt,
  type IngestResult,
  type PublicDocument,
  type SearchResult,
} from '@quarry/search';
import { execute, withoutNulls, type GraphqlContext } from './graphql.context';
import { executeAsJob } from './job-progress';
import {
  CollectionType,
  DeleteResultType,
  DocumentInputType,
  DocumentType,
  ExcerptType,
  IngestResultItemType,
  IngestResultType,
  IngestStatusValue,
  SearchHitType,
  SearchInputType,
  SearchResultType,
} from './graphql.types';

/** A stored document as GraphQL shows it (camelCase, no internal hashes). */
export function toDocument(doc: PublicDocument | null | undefined): DocumentType | null {
  if (!doc) return null;
  return {
    id: doc.id,
    collection: doc.collection,
    title: doc.title ?? null,
    body: doc.body,
    tags: doc.tags,
    source: doc.source ?? null,
    metadata: doc.metadata,
    access: doc.access ?? null,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    chunkCount: doc.chunk_count ?? null,
    excerpt: excerptOf(doc),
  };
}

/** The excerpt of a partial read, its chunks as locations with their numbers. */
function excerptOf(doc: PublicDocument & { excerpt?: Excerpt }): ExcerptType | null {
  if (!doc.excerpt) return null;
  const { chunks, ...range } = doc.excerpt;
  return { ...range, chunks: chunks?.map((c) => ({ ...c.location, chunk: c.chunk })) };
}

/** The `search` operation's arguments from the GraphQL input (the same DTO validates both). */
export function searchArgs(input: SearchInputType): Record<string, unknown> {
  const args: Record<string, unknown> = { ...withoutNulls(input) };
  if (input.filters) args.filters = withoutNulls(input.filters);
  return args;
}

@Resolver()
export class SearchResolver {
  constructor(private readonly live: LiveQueryService) {}

  @Query(() => SearchResultType, {
    description: 'Search documents: the same operation, and the same hits, as REST and MCP.',
    complexity: ({ args, childComplexity }) => searchCost(args.input) + childComplexity,
  })
  search(@Args('input') input: SearchInputType, @Context() context: GraphqlContext): Promise<SearchResult> {
    return execute(context, SEARCH, searchArgs(input), { argument: 'input' });
  }

  @Query(() => DocumentType, {
    nullable: true,
    description:
      'One document with its full body, or maxChars characters around a chunk (a hit location names it) or from an offset; null if absent.',
  })
  async document(
    @Args('id', { type: () => ID }) id: string,
    @Context() context: GraphqlContext,
    @Args('chunk', { type: () => Int, nullable: true }) chunk?: number,
    @Args('offset', { type: () => Int, nullable: true }) offset?: number,
    @Args('maxChars', { type: () => Int, nullable: true }) maxChars?: number,
  ): Promise<DocumentType | null> {
    try {
      return toDocument(await execute(context, GET_DOCUMENT, withoutNulls({ id, chunk, offset, maxChars })));
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  @Query(() => [CollectionType], { description: 'Collections with their document counts.' })
  async collections(@Context() context: GraphqlContext): Promise<CollectionType[]> {
    const result = await execute(context, LIST_COLLECTIONS, {});
    return result.collections;
  }

  @Mutation(() => IngestResultType, {
    description:
      'Add or replace documents; one result per document. With a jobId, progress is announced to `ingestProgress(jobId)` subscribers on every instance.',
    complexity: ({ args, childComplexity }) => ingestCost(args) + childComplexity,
  })
  async indexDocuments(
    @Args('documents', { type: () => [DocumentInputType] }) documents: DocumentInputType[],
    @Args('wait', { nullable: true, description: 'answer once the documents are searchable' }) wait: boolean,
    @Args('jobId', { type: () => ID, nullable: true }) jobId: string | undefined,
    @Context() context: GraphqlContext,
  ): Promise<IngestResult> {
    const args = { documents: documents.map((d) => withoutNulls(d)), ...(wait != null ? { wait } : {}) };
    return executeAsJob(this.live, context, INDEX_DOCUMENTS, args, {
      jobId,
      total: documents.length,
    });
  }

  @Mutation(() => DeleteResultType, { description: 'Delete a document and its chunks.' })
  deleteDocument(
    @Args('id', { type: () => ID }) id: string,
    @Args('wait', { nullable: true }) wait: boolean,
    @Context() context: GraphqlContext,
  ): Promise<DeleteResultType> {
    return execute(context, DELETE_DOCUMENT, { id, ...(wait != null ? { wait } : {}) });
  }
}

/** Per-item document fields resolve through the request's DataLoader: one `get_documents` per batch. */
@Resolver(() => SearchHitType)
export class SearchHitResolver {
  @ResolveField(() => DocumentType, {
    nullable: true,
    description: 'The full document (batched per request).',
  })
  async document(
    @Parent() hit: SearchHitType,
    @Context() context: GraphqlContext,
  ): Promise<DocumentType | null> {
    return toDocument(await context.documents.load(hit.id));
  }
}

@Resolver(() => IngestResultItemType)
export class IngestResultItemResolver {
  @ResolveField(() => DocumentType, {
    nullable: true,
    description: 'The document as stored (batched per request).',
  })
  async document(
    @Parent() item: IngestResultItemType,
    @Context() context: GraphqlContext,
  ): Promise<DocumentType | null> {
    return item.id && item.status !== IngestStatusValue.FAILED
      ? toDocument(await context.documents.load(item.id))
      : null;
  }
}

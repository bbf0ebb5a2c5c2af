import { Args, Context, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { JSONScalar } from './graphql.types';
import { JobState, type SourceDefinition } from '@quarry/ingest';
import { execute, type GraphqlContext } from './graphql.context';
import {
  ADD_SOURCE,
  LIST_DOCUMENTS,
  CANCEL_JOB,
  DELETE_COLLECTION,
  GET_JOB,
  LIST_JOBS,
  LIST_SOURCES,
  REMOVE_SOURCE,
  SYNC_SOURCE,
} from '@quarry/ingest';

/**
 * Browsing, sources and jobs over GraphQL: thin resolvers over the ingestion operations that
 * REST serves at /v1/documents, /v1/sources, /v1/jobs and /v1/collections/:name, so a frontend
 * (the console) needs nothing but GraphQL.
 */

@ObjectType('DocumentListing', { description: 'A document as a listing shows it: everything but the body.' })
export class DocumentListingType {
  @Field(() => ID)
  id!: string;

  @Field({ nullable: true })
  title?: string;

  @Field()
  collection!: string;

  @Field(() => [String])
  tags!: string[];

  @Field({ nullable: true })
  source?: string;

  @Field(() => JSONScalar)
  metadata!: Record<string, unknown>;

  @Field({ description: 'ISO 8601' })
  updatedAt!: string;

  @Field(() => Int, { nullable: true })
  chunkCount?: number;
}

@ObjectType('DocumentPage')
export class DocumentPageType {
  @Field(() => [DocumentListingType])
  documents!: DocumentListingType[];

  @Field(() => Int)
  total!: number;

  @Field({ nullable: true, description: 'pass as `cursor` for the next page; null on the last one' })
  nextCursor?: string;
}

@ObjectType('Source')
export class SourceType {
  @Field()
  name!: string;

  @Field({ description: '"directory", "web" or "http-json"' })
  type!: string;

  @Field()
  collection!: string;

  @Field({ nullable: true, description: 'ISO 8601' })
  lastSync?: string;

  @Field({ nullable: true, description: 'id of the last sync job' })
  lastJob?: string;

  @Field(() => JSONScalar, { description: 'the whole definition (secrets shown as "(set)")' })
  definition!: Record<string, unknown>;
}

@ObjectType('SourceRemoved')
export class SourceRemovedType {
  @Field()
  name!: string;

  @Field()
  removed!: boolean;

  @Field(() => Int)
  deletedDocuments!: number;
}

@ObjectType('CollectionDeleted')
export class CollectionDeletedType {
  @Field()
  collection!: string;

  @Field(() => Int, { description: 'documents deleted' })
  deleted!: number;
}

function toSource(definition: SourceDefinition): SourceType {
  // Read field by field: the source types differ in which fields they have (only some carry headers).
  const source: Record<string, unknown> = { ...definition };
  return {
    name: String(source.name),
    type: String(source.type),
    collection: String(source.collection),
    lastSync: typeof source.last_sync === 'string' ? source.last_sync : undefined,
    lastJob: typeof source.last_job === 'string' ? source.last_job : undefined,
    // Auth headers are secrets: never read back.
    definition: source.headers
      ? { ...source, headers: Object.fromEntries(Object.keys(source.headers).map((k) => [k, '(set)'])) }
      : source,
  };
}

function optional<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== null && v !== undefined),
  ) as Partial<T>;
}

@Resolver()
export class IngestionResolver {
  @Query(() => DocumentPageType, {
    description: 'Documents (without bodies), ordered by id, a page at a time.',
  })
  async documents(
    @Context() context: GraphqlContext,
    @Args('collection', { type: () => String, nullable: true }) collection?: string | null,
    @Args('size', { type: () => Int, nullable: true }) size?: number | null,
    @Args('cursor', { type: () => String, nullable: true }) cursor?: string | null,
  ): Promise<DocumentPageType> {
    const page = await execute(context, LIST_DOCUMENTS, optional({ collection, size, cursor }));
    return {
      total: page.total,
      nextCursor: page.nextCursor,
      documents: page.documents.map(({ updated_at, chunk_count, ...d }) => ({
        ...d,
        updatedAt: updated_at,
        chunkCount: chunk_count,
      })),
    };
  }

  @Query(() => [JobState], { description: 'Ingestion jobs, newest first, with stage, counts and failures.' })
  async jobs(
    @Context() context: GraphqlContext,
    @Args('size', { type: () => Int, nullable: true }) size?: number | null,
  ): Promise<JobState[]> {
    return (await execute(context, LIST_JOBS, optional({ size }))).jobs;
  }

  @Query(() => JobState, { description: 'One ingestion job.' })
  job(@Args('id', { type: () => ID }) id: string, @Context() context: GraphqlContext): Promise<JobState> {
    return execute(context, GET_JOB, { id });
  }

  @Query(() => [SourceType], { description: 'Sources with their definitions and last sync.' })
  async sources(@Context() context: GraphqlContext): Promise<SourceType[]> {
    const result = await execute(context, LIST_SOURCES, {});
    return result.sources.map(toSource);
  }

  @Mutation(() => SourceType, {
    description:
      'Add (or replace) a source: `{ name, type: "directory" | "web" | "http-json", collection, ... }` as for POST /v1/sources.',
  })
  async addSource(
    @Args('definition', { type: () => JSONScalar }) definition: Record<string, unknown>,
    @Context() context: GraphqlContext,
  ): Promise<SourceType> {
    const source = await execute(context, ADD_SOURCE, definition, {
      argument: 'definition',
    });
    return toSource(source);
  }

  @Mutation(() => SourceRemovedType, {
    description: 'Remove a source and (unless keepDocuments) the documents it brought in.',
  })
  removeSource(
    @Args('name') name: string,
    @Context() context: GraphqlContext,
    @Args('keepDocuments', { type: () => Boolean, nullable: true }) keepDocuments?: boolean | null,
  ): Promise<SourceRemovedType> {
    return execute(context, REMOVE_SOURCE, optional({ name, keepDocuments }));
  }

  @Mutation(() => JobState, {
    description: 'Sync a source now, as a job (follow it with `job(id)` or `jobs`).',
  })
  syncSource(@Args('name') name: string, @Context() context: GraphqlContext): Promise<JobState> {
    return execute(context, SYNC_SOURCE, { name });
  }

  @Mutation(() => JobState, { description: 'Cancel a running job; answers with its final state.' })
  cancelJob(
    @Args('id', { type: () => ID }) id: string,
    @Context() context: GraphqlContext,
  ): Promise<JobState> {
    return execute(context, CANCEL_JOB, { id });
  }

  @Mutation(() => CollectionDeletedType, {
    description: 'Delete a collection: every document in it, with its chunks.',
  })
  deleteCollection(
    @Args('name') name: string,
    @Context() context: GraphqlContext,
  ): Promise<CollectionDeletedType> {
    return execute(context, DELETE_COLLECTION, { collection: name });
  }
}

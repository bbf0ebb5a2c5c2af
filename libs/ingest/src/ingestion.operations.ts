import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import {
  operationRef,
  auditByName,
  ForbiddenError,
  InvalidError,
  NotFoundError,
  type Operation,
  type OperationContext,
  resultSchemaOf,
  type ArgsOf,
  type ResultOf,
} from '@quarry/core';
import { COLLECTION_PATTERN, readerOf, visibilityClauses, type IndexNames } from '@quarry/search';
import type { IngestService } from './ingest.service';
import type { DocumentBrowser, DocumentFilter, DocumentListing } from './document.browser';
import type { JobService } from './jobs/job.service';
import { describeJob } from './jobs/job-summary';
import { JobList, JobState } from './jobs/job.dto';
import { SourceInput, SourceNameInput, SyncSourceInput, type SourceDefinition } from './sources/source.dto';
import type { SourceService } from './sources/source.service';

export interface IngestionOperationDeps {
  browser: DocumentBrowser;
  ingest: IngestService;
  sources: SourceService;
  jobs: JobService;
  indices: IndexNames;
}

export class ListDocumentsInput {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(COLLECTION_PATTERN, { message: 'collection must be lowercase letters, digits, - and _' })
  collection?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  cursor?: string;

  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  size?: number;
}

export class DeleteDocumentsInput {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(COLLECTION_PATTERN, { message: 'collection must be lowercase letters, digits, - and _' })
  collection?: string;

  @ApiPropertyOptional({ type: [String], description: 'documents carrying all these tags' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];

  @ApiPropertyOptional({ description: 'documents with exactly this source (path or URL)' })
  @IsOptional()
  @IsString()
  source?: string;

  @ApiPropertyOptional({ description: 'documents synced from this source' })
  @IsOptional()
  @IsString()
  sourceName?: string;

  @ApiPropertyOptional({ description: 'documents whose id starts with this' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  idPrefix?: string;

  @ApiPropertyOptional({ description: 'documents last updated before this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601()
  updatedBefore?: string;
}

export class DeleteCollectionInput {
  @ApiPropertyOptional()
  @IsString()
  @Matches(COLLECTION_PATTERN, { message: 'collection must be lowercase letters, digits, - and _' })
  collection!: string;
}

export class JobIdInput {
  @ApiPropertyOptional()
  @IsString()
  @Length(1, 64)
  id!: string;
}

export class ListJobsInput {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  size?: number;
}

export class RemoveSourceInput extends SourceNameInput {
  @IsOptional()
  @IsBoolean()
  keepDocuments?: boolean;
}

const allowed = (context: OperationContext) => context.principal.collections;

function assertWritable(collection: string | undefined, context: OperationContext): void {
  const scope = allowed(context);
  if (scope && (!collection || !scope.includes(collection)))
    throw new ForbiddenError(`collection "${collection ?? '(any)'}" is not writable with this key`);
}

/** Tool results name the first 20 skipped or failed items; the job record keeps 200. */
const summarizeJob = (job: JobState) => describeJob(job, 20);

/** Deletes every document matching a filter (search, then delete each with its chunks). */
async function deleteMatching(
  deps: IngestionOperationDeps,
  filter: DocumentFilter,
  context: OperationContext,
): Promise<number> {
  const ids: string[] = [];
  for await (const doc of deps.browser.all(filter, visibilityClauses(context.principal), context.signal))
    ids.push(doc.id);
  let deleted = 0;
  for (const [n, id] of ids.entries()) {
    context.signal.throwIfAborted();
    if (
      await deps.ingest.delete(id, {
        signal: context.signal,
        allowedCollections: allowed(context),
        reader: readerOf(context.principal),
      })
    )
      deleted++;
    if (n % 50 === 49) context.onProgress({ done: n + 1, total: ids.length });
  }
  await deps.browser.refresh([deps.indices.docs, deps.indices.vectors]);
  return deleted;
}

const JOB_SCHEMA = resultSchemaOf(JobState);
const objectWith = (properties: Record<string, object>) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
});
const list = { type: 'array', items: { type: 'object' } };

const readOnly = { readOnlyHint: true, openWorldHint: false };
const destructive = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: false,
};

/** Typed references of the operations below: what edges call them by. */
export const LIST_DOCUMENTS = operationRef<
  ListDocumentsInput,
  { documents: DocumentListing[]; total: number; nextCursor?: string }
>('list_documents');
export const DELETE_DOCUMENTS = operationRef<DeleteDocumentsInput, { deleted: number }>('delete_documents');
export const DELETE_COLLECTION = operationRef<DeleteCollectionInput, { collection: string; deleted: number }>(
  'delete_collection',
);
export const ADD_SOURCE = operationRef<SourceInput, SourceDefinition>('add_source');
export const LIST_SOURCES = operationRef<object, { sources: SourceDefinition[] }>('list_sources');
export const SYNC_SOURCE = operationRef<SyncSourceInput, JobState>('sync_source');
export const REMOVE_SOURCE = operationRef<
  RemoveSourceInput,
  { name: string; removed: true; deletedDocuments: number }
>('remove_source');
export const LIST_JOBS = operationRef<ListJobsInput, { jobs: JobState[] }>('list_jobs');
export const GET_JOB = operationRef<JobIdInput, JobState>('get_job');
export const CANCEL_JOB = operationRef<JobIdInput, JobState>('cancel_job');

/** Browse and clean up documents; sources that stay in sync; the jobs that sync them. */
export function ingestionOperations(deps: IngestionOperationDeps): Operation<never, unknown>[] {
  const listDocuments: Operation<ArgsOf<typeof LIST_DOCUMENTS>, ResultOf<typeof LIST_DOCUMENTS>> = {
    name: LIST_DOCUMENTS,
    description:
      'List documents (without bodies), ordered by id, a page at a time; pass nextCursor for the next page.',
    role: 'reader',
    input: ListDocumentsInput,
    tool: {
      title: 'List documents',
      outputSchema: objectWith({ documents: list, total: { type: 'integer' } }),
      annotations: readOnly,
      summarize: (r) =>
        [
          `${r.total} documents; this page ${r.documents.length}${r.nextCursor ? `; next cursor: ${r.nextCursor}` : ''}`,
          ...r.documents.map((d) => `- ${d.id} [${d.collection}] ${d.title ?? ''}`),
        ].join('\n'),
    },
    run: (args, context) =>
      deps.browser.page(
        { collection: args.collection },
        {
          size: args.size ?? 50,
          cursor: args.cursor,
          visible: visibilityClauses(context.principal),
          signal: context.signal,
        },
      ),
  };
  const deleteDocuments: Operation<ArgsOf<typeof DELETE_DOCUMENTS>, ResultOf<typeof DELETE_DOCUMENTS>> = {
    name: DELETE_DOCUMENTS,
    description:
      'Delete every document matching a filter (collection, tags, source, sourceName, idPrefix, updatedBefore).',
    role: 'writer',
    input: DeleteDocumentsInput,
    tool: {
      title: 'Delete documents by filter',
      outputSchema: objectWith({ deleted: { type: 'integer' } }),
      annotations: destructive,
      summarize: (r) => `Deleted ${r.deleted} documents.`,
    },
    run: async (args, context) => {
      if (!Object.values(args).some((v) => v !== undefined && (!Array.isArray(v) || v.length)))
        throw new InvalidError(
          'name at least one filter; deleting everything is delete_collection per collection',
          [{ field: 'filter', reason: 'empty' }],
        );
      return { deleted: await deleteMatching(deps, args, context) };
    },
  };
  const deleteCollection: Operation<ArgsOf<typeof DELETE_COLLECTION>, ResultOf<typeof DELETE_COLLECTION>> = {
    name: DELETE_COLLECTION,
    description: 'Delete a collection: every document in it, with its chunks.',
    role: 'writer',
    input: DeleteCollectionInput,
    audit: (args) => ({ ids: [args.collection] }),
    tool: {
      title: 'Delete a collection',
      outputSchema: objectWith({ collection: { type: 'string' }, deleted: { type: 'integer' } }),
      annotations: destructive,
      summarize: (r) => `Deleted collection ${r.collection} (${r.deleted} documents).`,
    },
    run: async (args, context) => {
      assertWritable(args.collection, context);
      return {
        collection: args.collection,
        deleted: await deleteMatching(deps, { collection: args.collection }, context),
      };
    },
  };
  const addSource: Operation<ArgsOf<typeof ADD_SOURCE>, ResultOf<typeof ADD_SOURCE>> = {
    name: ADD_SOURCE,
    description:
      'Define a source to keep in sync: a directory on the server, or a paginated JSON API (http-json).',
    role: 'admin',
    input: SourceInput,
    audit: auditByName,
    tool: {
      title: 'Add a source',
      outputSchema: objectWith({
        name: { type: 'string' },
        type: { type: 'string' },
        collection: { type: 'string' },
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
      summarize: (s) =>
        `Source ${s.name} (${s.type}) into collection ${s.collection} added; sync it with sync_source.`,
    },
    run: (args, context) => {
      // A scoped admin defines sources only for its own collections.
      assertWritable(args.collection, context);
      return deps.sources.add(args);
    },
  };
  const listSources: Operation<ArgsOf<typeof LIST_SOURCES>, ResultOf<typeof LIST_SOURCES>> = {
    name: LIST_SOURCES,
    description: 'Sources with their definitions and last sync.',
    role: 'reader',
    tool: {
      title: 'List sources',
      outputSchema: objectWith({ sources: list }),
      annotations: readOnly,
      summarize: (r) =>
        r.sources
          .map((s) => `${s.name} (${s.type}) → ${s.collection}, last sync ${s.last_sync ?? 'never'}`)
          .join('\n') || 'No sources yet.',
    },
    run: async (_args, context) => {
      const scope = allowed(context);
      const sources = (await deps.sources.list()).filter((s) => !scope || scope.includes(s.collection));
      // Auth headers are secrets: they are never read back.
      return {
        sources: sources.map((s) =>
          s.headers
            ? { ...s, headers: Object.fromEntries(Object.keys(s.headers).map((k) => [k, '(set)'])) }
            : s,
        ),
      };
    },
  };
  const syncSource: Operation<ArgsOf<typeof SYNC_SOURCE>, ResultOf<typeof SYNC_SOURCE>> = {
    name: SYNC_SOURCE,
    description:
      'Sync a source now, as a job: new and changed items are indexed, gone ones removed. wait=true answers when it ends.',
    role: 'writer',
    input: SyncSourceInput,
    audit: auditByName,
    tool: {
      title: 'Sync a source',
      outputSchema: JOB_SCHEMA,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
      summarize: summarizeJob,
    },
    run: async (args, context) => {
      assertWritable((await deps.sources.get(args.name)).collection, context);
      // Waiting MCP callers get progress notifications (items done of items found so far).
      const progress = (job: JobState) => {
        const c = job.counts;
        context.onProgress({
          done: c.unchanged + c.indexed + c.skipped + c.failed,
          total: c.found,
          message: `${job.status}: ${job.stage}`,
        });
      };
      return deps.sources.sync(
        args.name,
        args.wait === true,
        context.principal.id,
        undefined,
        args.wait ? progress : undefined,
      );
    },
  };
  const removeSource: Operation<ArgsOf<typeof REMOVE_SOURCE>, ResultOf<typeof REMOVE_SOURCE>> = {
    name: REMOVE_SOURCE,
    description: 'Remove a source and (unless keepDocuments) the documents it brought in.',
    role: 'admin',
    input: RemoveSourceInput,
    audit: auditByName,
    tool: {
      title: 'Remove a source',
      outputSchema: objectWith({
        name: { type: 'string' },
        removed: { type: 'boolean' },
        deletedDocuments: { type: 'integer' },
      }),
      annotations: destructive,
      summarize: (r) => `Removed source ${r.name} and ${r.deletedDocuments} of its documents.`,
    },
    run: async (args, context) => {
      assertWritable((await deps.sources.get(args.name)).collection, context);
      return deps.sources.remove(args.name, args.keepDocuments);
    },
  };
  const visibleJob = (job: JobState, context: OperationContext) => {
    const scope = allowed(context);
    if (scope && (!job.collection || !scope.includes(job.collection))) throw new NotFoundError('job', job.id);
    return job;
  };
  const listJobs: Operation<ArgsOf<typeof LIST_JOBS>, ResultOf<typeof LIST_JOBS>> = {
    name: LIST_JOBS,
    description: 'Ingestion jobs, newest first, with their stage, counts and failures.',
    role: 'reader',
    input: ListJobsInput,
    tool: {
      title: 'List jobs',
      outputSchema: resultSchemaOf(JobList),
      annotations: readOnly,
      summarize: (r) => r.jobs.map(summarizeJob).join('\n\n') || 'No jobs yet.',
    },
    run: async (args, context) => {
      const scope = allowed(context);
      const jobs = await deps.jobs.list(args.size ?? 100);
      return { jobs: jobs.filter((j) => !scope || (j.collection && scope.includes(j.collection))) };
    },
  };
  const getJob: Operation<ArgsOf<typeof GET_JOB>, ResultOf<typeof GET_JOB>> = {
    name: GET_JOB,
    description: 'One ingestion job: status, stage, counts per stage, failures with reasons.',
    role: 'reader',
    input: JobIdInput,
    tool: { title: 'Get a job', outputSchema: JOB_SCHEMA, annotations: readOnly, summarize: summarizeJob },
    run: async (args, context) => visibleJob(await deps.jobs.get(args.id), context),
  };
  const cancelJob: Operation<ArgsOf<typeof CANCEL_JOB>, ResultOf<typeof CANCEL_JOB>> = {
    name: CANCEL_JOB,
    description: 'Cancel a running job; answers with its final state.',
    role: 'writer',
    input: JobIdInput,
    audit: (args) => ({ ids: [args.id] }),
    tool: {
      title: 'Cancel a job',
      outputSchema: JOB_SCHEMA,
      annotations: destructive,
      summarize: summarizeJob,
    },
    run: async (args, context) => {
      visibleJob(await deps.jobs.get(args.id), context);
      return deps.jobs.cancel(args.id);
    },
  };
  return [
    listDocuments,
    deleteDocuments,
    deleteCollection,
    addSource,
    listSources,
    syncSource,
    removeSource,
    listJobs,
    getJob,
    cancelJob,
  ] as Operation<never, unknown>[];
}

import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { operationRef, type Operation, type ArgsOf, type ResultOf } from '@quarry/core';
import { COLLECTION_PATTERN, LIMITS, SearchInput } from '@quarry/search';
import type { LiveQueryService } from './live-query.service';
import type { DocumentChangeEvent, IngestProgressEvent, LiveEvent, LiveStream } from './live-types';

export class WatchDocumentsInput {
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.collectionLength)
  @Matches(COLLECTION_PATTERN, { message: 'collection must be lowercase letters, digits, - and _' })
  collection?: string;
}

export const JOB_ID_PATTERN = /^[A-Za-z0-9][\w.:-]{0,127}$/;

export class WatchIngestInput {
  @IsString()
  @Matches(JOB_ID_PATTERN, { message: 'jobId must be 1-128 letters, digits and . _ : -' })
  jobId!: string;
}

/** Typed references of the operations below: what edges call them by. */
export const LIVE_SEARCH = operationRef<SearchInput, LiveStream<LiveEvent>>('live_search');
export const WATCH_DOCUMENTS = operationRef<WatchDocumentsInput, LiveStream<DocumentChangeEvent>>(
  'watch_documents',
);
export const WATCH_INGEST = operationRef<WatchIngestInput, LiveStream<IngestProgressEvent>>('watch_ingest');

/**
 * Subscriptions as operations: they go through the message manager like every request
 * (validation, authorization, rate limits, metrics), and their result is a stream of events.
 * They are not MCP tools; MCP clients get live changes as resource notifications.
 */
export function liveOperations(live: LiveQueryService): Operation<never, unknown>[] {
  const liveSearch: Operation<ArgsOf<typeof LIVE_SEARCH>, ResultOf<typeof LIVE_SEARCH>> = {
    name: LIVE_SEARCH,
    description:
      'Subscribe to a search: every new, changed or deleted document that matches it, as it happens.',
    role: 'reader',
    input: SearchInput,
    run: (input, context) => live.subscribe(input, context.principal),
  };
  const watchDocuments: Operation<ArgsOf<typeof WATCH_DOCUMENTS>, ResultOf<typeof WATCH_DOCUMENTS>> = {
    name: WATCH_DOCUMENTS,
    description: 'Subscribe to every document change in a collection (or in every visible collection).',
    role: 'reader',
    input: WatchDocumentsInput,
    run: async (input, context) => live.watchDocuments(context.principal, input.collection),
  };
  const watchIngest: Operation<ArgsOf<typeof WATCH_INGEST>, ResultOf<typeof WATCH_INGEST>> = {
    name: WATCH_INGEST,
    description:
      'Subscribe to the progress of an ingest job started with that job id (by this caller, or by anyone for an admin).',
    role: 'reader',
    input: WatchIngestInput,
    run: (input, context) => live.watchIngest(input.jobId, context.principal),
  };
  return [liveSearch, watchDocuments, watchIngest] as Operation<never, unknown>[];
}

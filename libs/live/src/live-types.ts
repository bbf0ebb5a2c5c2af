import type { AccessReader, DocumentAccess, SearchFilters, SearchHit, SearchMode } from '@quarry/search';

export type LiveChange = 'new' | 'updated' | 'deleted';

/** Where a live query looks: the search's scope after `@collection` words and the principal's allow-list. */
export interface LiveScope {
  /** Undefined = every collection; an empty list = nothing visible. */
  collections?: string[];
  tags?: string[];
  filters?: SearchFilters;
  /** The subscriber's groups and user: only documents it may read are delivered (absent: admins). */
  reader?: AccessReader;
}

/** A query's words as Elasticsearch's analysers see them (title/body use `english`, their `.std` fields `standard`). */
export interface QueryTerms {
  english: string[];
  standard: string[];
}

/**
 * A live query as every instance holds it in memory, compiled once when its subscription starts:
 * analysed terms for lexical matching, the embedding and similarity threshold for semantic matching.
 */
export interface LiveQuery {
  subscriptionId: string;
  /** Principal id of the subscriber. */
  owner: string;
  /** The instance whose client subscribed: matches are delivered there. */
  instance: string;
  mode: SearchMode;
  /** The query text without its `@collection` words; empty = every document in scope matches. */
  text: string;
  scope: LiveScope;
  terms: QueryTerms;
  /** Normalised query embedding (semantic and hybrid queries with text). */
  vector?: number[];
  /** Cosine similarity a document's best chunk must reach (semantic and hybrid). */
  threshold?: number;
  createdAt: string;
  /** Epoch milliseconds; pushed forward by the owning instance's heartbeat. */
  expiresAt: number;
}

/** One delivery: a hit plus why it was sent. `dropped` counts events lost just before it (slow consumer). */
export interface LiveEvent {
  subscriptionId: string;
  change: LiveChange;
  hit: SearchHit;
  dropped?: number;
}

/** A document change as `documentChanged` subscribers see it. */
export interface DocumentChangeEvent {
  id: string;
  change: LiveChange;
  collection: string;
  /** Who may be told of it (between instances only: never delivered to a subscriber). */
  access?: DocumentAccess;
  dropped?: number;
}

/** Progress of one ingest job, announced to every instance. */
export interface IngestProgressEvent {
  jobId: string;
  /** The principal that started the job: only it (and admins) may follow it. */
  owner?: string;
  done: number;
  total: number;
  message?: string;
  finished: boolean;
  indexed?: number;
  failed?: number;
  /** Items left out with a reason (a file not readable as text): neither indexed nor failed. */
  skipped?: number;
  error?: string;
  dropped?: number;
}

/** What a subscription operation returns: the events, and a way to end it (also `return()`). */
export interface LiveStream<T> extends AsyncIterableIterator<T> {
  readonly id: string;
  close(): Promise<void>;
}

/** Counts since start, shared by the parts of the live service and reported by its stats. */
export interface LiveCounters {
  matchedEvents: number;
  droppedEvents: number;
  droppedBatches: number;
  failedBatches: number;
}

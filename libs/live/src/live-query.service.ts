import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type Redis from 'ioredis';
import type { Principal } from '@quarry/core';
import type { Logger } from '@quarry/observability';
import type { RedisBus } from '@quarry/redis';
import type { ChangedDocument, SearchInput, SearchService } from '@quarry/search';
import { BatchMatcher } from './batch-matcher';
import { BatchQueue } from './batch-queue';
import { DocumentWatchers } from './document-watchers';
import { IngestProgress } from './ingest-progress';
import { LiveFanOut } from './live-fan-out';
import { LiveHeartbeat } from './live-heartbeat';
import { liveKeys } from './live-keys';
import { LiveQueryCompiler } from './live-query.compiler';
import type { LiveQueryRepository } from './live-query.repository';
import { LiveRegistry } from './live-registry';
import { LiveSubscriptions } from './live-subscriptions';
import type {
  DocumentChangeEvent,
  IngestProgressEvent,
  LiveCounters,
  LiveEvent,
  LiveStream,
} from './live-types';

export interface LiveQueryServiceOptions {
  /** Prefix of the Redis keys and channels (the index prefix, so deployments sharing Redis stay apart). */
  prefix: string;
  /** This process; matches for its subscribers are routed here. */
  instance?: string;
  /** How often an instance renews its live queries (and sweeps expired ones). */
  heartbeatMs?: number;
  /** How long a live query outlives its instance's last heartbeat. */
  ttlMs?: number;
  /** Events kept per subscriber that is behind; the oldest is dropped beyond it. */
  queueCapacity?: number;
  /**
   * Cosine similarity a document's best chunk must reach to match a semantic query whatever the
   * corpus (a floor under the "would enter the first page" bar). See README, live results.
   */
  minSimilarity?: number;
  /** Ingest batches waiting to be matched; beyond it the oldest is dropped and logged. */
  maxPendingBatches?: number;
}

export interface LiveQueryServiceDeps {
  repository: LiveQueryRepository;
  /** A command connection (counters, locks, job state). */
  redis: Redis;
  bus: RedisBus;
  /** Scopes, query embeddings and the semantic bar come from the one search implementation. */
  search: SearchService;
  logger: Logger;
}

export interface LiveStats extends LiveCounters {
  instance: string;
  subscriptions: number;
  /** documentChanged and ingestProgress subscribers of this instance. */
  watchers: number;
  queries: number;
}

/**
 * Live results: subscriptions register their query in the live index, every instance keeps all
 * of them in memory (LiveRegistry), each ingest batch is matched once, on the instance that
 * ingested it and after the write, and each match is published to the instance that holds the
 * subscriber, which queues it for its client. Matching runs beside the ingest, never in its way.
 * This class only assembles the parts and starts and stops them.
 */
export class LiveQueryService {
  readonly instance: string;
  readonly registry: LiveRegistry;
  private readonly counters: LiveCounters = {
    matchedEvents: 0,
    droppedEvents: 0,
    droppedBatches: 0,
    failedBatches: 0,
  };
  private readonly compiler: LiveQueryCompiler;
  private readonly subscriptions: LiveSubscriptions;
  private readonly documents: DocumentWatchers;
  private readonly progress: IngestProgress;
  private readonly fanOut: LiveFanOut;
  private readonly batches: BatchQueue<ChangedDocument[]>;
  private readonly heartbeat: LiveHeartbeat;
  private closing = false;

  constructor(deps: LiveQueryServiceDeps, options: LiveQueryServiceOptions) {
    const { repository, redis, bus, search, logger } = deps;
    const settings = {
      heartbeatMs: 10_000,
      ttlMs: 30_000,
      queueCapacity: 1_000,
      minSimilarity: 0.45,
      maxPendingBatches: 1_000,
      ...options,
    };
    const keys = liveKeys(options.prefix);
    this.instance = options.instance ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.registry = new LiveRegistry(
      redis,
      bus,
      repository,
      { version: keys.version, channel: keys.registry },
      logger,
    );
    this.compiler = new LiveQueryCompiler(repository, search, settings);
    this.subscriptions = new LiveSubscriptions(repository, this.registry, settings, this.counters, logger);
    this.documents = new DocumentWatchers(settings, this.counters);
    this.fanOut = new LiveFanOut(bus, keys, this.instance, logger);
    this.progress = new IngestProgress(redis, this.fanOut, keys, settings, logger);
    const matcher = new BatchMatcher(
      repository,
      this.registry,
      this.fanOut,
      (events) => this.subscriptions.deliver(events),
      this.counters,
    );
    this.batches = new BatchQueue(
      (batch) => matcher.match(batch),
      { capacity: settings.maxPendingBatches },
      this.counters,
      logger,
    );
    this.heartbeat = new LiveHeartbeat(
      this.instance,
      this.subscriptions,
      repository,
      this.registry,
      redis,
      keys,
      settings,
      logger,
    );
  }

  async start(): Promise<void> {
    await this.fanOut.start({
      hits: (events) => this.subscriptions.deliver(events),
      changes: (changes) => this.documents.receive(changes),
      progress: (event) => this.progress.receive(event),
    });
    await this.registry.start();
    this.heartbeat.start();
  }

  stats(): LiveStats {
    return {
      instance: this.instance,
      subscriptions: this.subscriptions.size,
      watchers: this.documents.size + this.progress.size,
      queries: this.registry.queries.size,
      ...this.counters,
    };
  }

  /** Registers a live query for this principal; its stream yields every matching change from now on. */
  async subscribe(input: SearchInput, principal: Principal): Promise<LiveStream<LiveEvent>> {
    const query = await this.compiler.compile(input, principal, {
      subscriptionId: randomUUID(),
      instance: this.instance,
    });
    return this.subscriptions.open({ ...query, expiresAt: this.heartbeat.expiresAt() });
  }

  /** Every change of a collection (or of every collection the principal sees), from any instance. */
  watchDocuments(principal: Principal, collection?: string): LiveStream<DocumentChangeEvent> {
    return this.documents.watch(principal, collection);
  }

  /** Progress of an ingest job, from whichever instance runs it; ends after its last report. */
  watchIngest(jobId: string, principal: Principal): Promise<LiveStream<IngestProgressEvent>> {
    return this.progress.watch(jobId, principal);
  }

  /** Announces an ingest job's progress to every instance (and keeps the latest for late subscribers). */
  reportProgress(event: IngestProgressEvent): Promise<void> {
    return this.progress.report(event);
  }

  /**
   * The ingest's hook: queues the batch for matching and returns at once. Batches are matched one
   * after the other, so each subscriber sees this instance's changes in ingest order.
   */
  documentsChanged(changed: ChangedDocument[]): void {
    if (changed.length) this.batches.push(changed);
  }

  /** Resolves when every queued batch has been matched and published (tests, benchmarks, shutdown). */
  idle(): Promise<void> {
    return this.batches.idle();
  }

  /** Ends every subscription of this instance and removes its live queries (graceful shutdown). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.heartbeat.stop();
    this.batches.stop();
    const ids = await this.subscriptions.close();
    await this.documents.close();
    await this.progress.close();
    await this.batches.idle();
    await this.subscriptions.forget(ids);
    await this.registry.stop();
    await this.fanOut.stop();
  }
}

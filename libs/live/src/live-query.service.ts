import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type Redis from 'ioredis';
import type { Principal } from '@quarry/core';
import type { Logger } from '@quarry/observability';
import {
  UnknownCollectionError,
  type ChangedDocument,
  type SearchInput,
  type SearchService,
} from '@quarry/search';
import { resolveLiveScope, type MatchDocument, type RoutedEvent } from './live-matcher';
import { LiveQueue } from './live-queue';
import type { LiveQueryRepository } from './live-query.repository';
import { LiveRegistry } from './live-registry';
import type {
  DocumentChangeEvent,
  IngestProgressEvent,
  LiveEvent,
  LiveQuery,
  LiveStream,
} from './live-types';
import type { RedisBus } from './redis.bus';

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
  /** Query embeddings and the semantic bar come from the one search implementation. */
  search: SearchService;
  logger: Logger;
}

export interface LiveStats {
  instance: string;
  subscriptions: number;
  /** documentChanged and ingestProgress subscribers of this instance. */
  watchers: number;
  queries: number;
  matchedEvents: number;
  droppedEvents: number;
  droppedBatches: number;
  failedBatches: number;
}

interface LocalSubscription {
  query: LiveQuery;
  queue: LiveQueue<LiveEvent>;
  lastDropLog: number;
}

interface Watcher<T extends { dropped?: number }> {
  queue: LiveQueue<T>;
  accepts(event: T): boolean;
}

const JOB_STATE_SECONDS = 3600;

/**
 * Live results: subscriptions register their query in the live index, every instance keeps all
 * of them in memory (LiveRegistry), each ingest batch is matched once, on the instance that
 * ingested it and after the write, and each match is published to the instance that holds the
 * subscriber, which queues it for its client. Matching runs beside the ingest, never in its way.
 */
export class LiveQueryService {
  readonly instance: string;
  readonly registry: LiveRegistry;
  private readonly options: Required<Omit<LiveQueryServiceOptions, 'instance'>>;
  private readonly local = new Map<string, LocalSubscription>();
  private readonly documentWatchers = new Set<Watcher<DocumentChangeEvent>>();
  private readonly progressWatchers = new Map<string, Set<Watcher<IngestProgressEvent>>>();
  private readonly batches: ChangedDocument[][] = [];
  private draining?: Promise<void>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribers: (() => Promise<void>)[] = [];
  private closing = false;
  private readonly unsubscribing = new Set<Promise<void>>();
  private readonly counters = { matchedEvents: 0, droppedEvents: 0, droppedBatches: 0, failedBatches: 0 };

  constructor(
    private readonly deps: LiveQueryServiceDeps,
    options: LiveQueryServiceOptions,
  ) {
    this.instance = options.instance ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.options = {
      heartbeatMs: 10_000,
      ttlMs: 30_000,
      queueCapacity: 1_000,
      minSimilarity: 0.45,
      maxPendingBatches: 1_000,
      ...options,
    };
    this.registry = new LiveRegistry(
      deps.redis,
      deps.bus,
      deps.repository,
      { version: this.key('version'), channel: this.key('registry') },
      deps.logger,
    );
  }

  private key(name: string): string {
    return `${this.options.prefix}:live:${name}`;
  }

  private hitsChannel(instance: string): string {
    return this.key(`hits:${instance}`);
  }

  async start(): Promise<void> {
    const { bus } = this.deps;
    this.unsubscribers.push(
      await bus.subscribe(this.hitsChannel(this.instance), (message) =>
        this.deliver((message as { events?: LiveEvent[] }).events ?? []),
      ),
      await bus.subscribe(this.key('changes'), (message) =>
        this.announceChanges((message as { changes?: DocumentChangeEvent[] }).changes ?? []),
      ),
      await bus.subscribe(this.key('progress'), (message) =>
        this.announceProgress(message as IngestProgressEvent),
      ),
    );
    await this.registry.start();
    const every = (ms: number, task: () => Promise<void>) => {
      const timer = setInterval(() => void task(), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.heartbeatMs, () => this.heartbeat());
    every(this.options.heartbeatMs, () => this.sweep());
  }

  stats(): LiveStats {
    return {
      instance: this.instance,
      subscriptions: this.local.size,
      watchers:
        this.documentWatchers.size + [...this.progressWatchers.values()].reduce((n, set) => n + set.size, 0),
      queries: this.registry.queries.size,
      ...this.counters,
    };
  }

  /** Registers a live query for this principal; its stream yields every matching change from now on. */
  async subscribe(input: SearchInput, principal: Principal): Promise<LiveStream<LiveEvent>> {
    const { repository, search } = this.deps;
    const mode = input.mode ?? 'hybrid';
    const { text, scope } = resolveLiveScope(input, principal.collections);
    const id = randomUUID();
    const terms =
      text && mode !== 'semantic' ? await repository.analyseQuery(text) : { english: [], standard: [] };
    const semantic = text && mode !== 'lexical';
    const query: LiveQuery = {
      subscriptionId: id,
      owner: principal.id,
      instance: this.instance,
      mode,
      text,
      scope: JSON.parse(JSON.stringify(scope)),
      terms,
      ...(semantic
        ? { vector: await search.queryVector(text), threshold: await this.semanticBar(input, principal) }
        : {}),
      createdAt: new Date().toISOString(),
      expiresAt: Date.now() + this.options.ttlMs,
    };
    const subscription: LocalSubscription = {
      query,
      lastDropLog: 0,
      queue: new LiveQueue<LiveEvent>(id, {
        capacity: this.options.queueCapacity,
        onDrop: (dropped) => this.dropped(subscription, dropped),
        onClose: () => this.unsubscribe(id),
      }),
    };
    this.local.set(id, subscription);
    try {
      await repository.put(query);
      await this.registry.announce({ op: 'add', query });
    } catch (error) {
      this.local.delete(id);
      this.registry.queries.remove(id);
      await repository.remove([id]).catch(() => undefined);
      throw error;
    }
    return subscription.queue;
  }

  /**
   * The similarity a new document needs to be delivered: at least `minSimilarity`, and at least
   * that of the k-th best document now (k = the query's page size), i.e. it would enter the
   * subscriber's first page. Elasticsearch's cosine score is (1 + cos) / 2.
   */
  private async semanticBar(input: SearchInput, principal: Principal): Promise<number> {
    const k = input.size ?? 10;
    let page;
    try {
      page = await this.deps.search.search(
        { ...input, mode: 'semantic', from: 0, size: k, highlight: false },
        { allowedCollections: principal.collections },
      );
    } catch (error) {
      // A live query may wait for a collection that has no documents yet: nothing to beat so far.
      if (error instanceof UnknownCollectionError) return this.options.minSimilarity;
      throw error;
    }
    const kth = page.hits[k - 1];
    return Math.max(this.options.minSimilarity, kth ? 2 * kth.score - 1 : -1);
  }

  private unsubscribe(id: string): Promise<void> {
    if (this.closing || !this.local.delete(id)) return Promise.resolve();
    const removal = (async () => {
      try {
        await this.deps.repository.remove([id]);
        await this.registry.announce({ op: 'remove', ids: [id] });
      } catch (error) {
        // Not renewed any more, so the entry expires with its TTL even if this failed.
        this.deps.logger.warn({ err: (error as Error).message, subscription: id }, 'live query not removed');
      }
    })();
    this.unsubscribing.add(removal);
    return removal.finally(() => this.unsubscribing.delete(removal));
  }

  private dropped(subscription: LocalSubscription, droppedSinceDelivery: number): void {
    this.counters.droppedEvents++;
    const now = Date.now();
    if (now - subscription.lastDropLog < 10_000) return;
    subscription.lastDropLog = now;
    this.deps.logger.warn(
      {
        subscription: subscription.query.subscriptionId,
        owner: subscription.query.owner,
        droppedSinceDelivery,
      },
      'live subscriber is too slow: oldest events dropped',
    );
  }

  /** Every change of a collection (or of every collection the principal sees), from any instance. */
  watchDocuments(principal: Principal, collection?: string): LiveStream<DocumentChangeEvent> {
    const watcher: Watcher<DocumentChangeEvent> = {
      queue: new LiveQueue<DocumentChangeEvent>(randomUUID(), {
        capacity: this.options.queueCapacity,
        onDrop: () => this.counters.droppedEvents++,
        onClose: () => void this.documentWatchers.delete(watcher),
      }),
      accepts: (change) =>
        (!collection || change.collection === collection) &&
        (!principal.collections || principal.collections.includes(change.collection)),
    };
    this.documentWatchers.add(watcher);
    return watcher.queue;
  }

  /** Progress of an ingest job, from whichever instance runs it; ends after its last report. */
  async watchIngest(jobId: string, principal: Principal): Promise<LiveStream<IngestProgressEvent>> {
    const mayFollow = (event: IngestProgressEvent) =>
      principal.role === 'admin' || (event.owner !== undefined && event.owner === principal.id);
    let done = -1;
    const watcher: Watcher<IngestProgressEvent> = {
      queue: new LiveQueue<IngestProgressEvent>(randomUUID(), {
        capacity: this.options.queueCapacity,
        onClose: () => {
          const set = this.progressWatchers.get(jobId);
          set?.delete(watcher);
          if (set?.size === 0) this.progressWatchers.delete(jobId);
        },
      }),
      // Reports can arrive twice (the stored state and the announcement): never go backwards.
      accepts: (event) => {
        if (!mayFollow(event)) return false;
        if (!event.finished && event.done < done) return false;
        done = event.done;
        return true;
      },
    };
    const set = this.progressWatchers.get(jobId) ?? new Set();
    set.add(watcher);
    this.progressWatchers.set(jobId, set);
    const stored = await this.deps.redis.get(this.key(`job:${jobId}`)).catch(() => null);
    if (stored) this.announceProgress(JSON.parse(stored) as IngestProgressEvent);
    return watcher.queue;
  }

  /** Announces an ingest job's progress to every instance (and keeps the latest for late subscribers). */
  async reportProgress(event: IngestProgressEvent): Promise<void> {
    try {
      await this.deps.redis.set(
        this.key(`job:${event.jobId}`),
        JSON.stringify(event),
        'EX',
        JOB_STATE_SECONDS,
      );
      await this.deps.bus.publish(this.key('progress'), event);
    } catch (error) {
      this.deps.logger.warn(
        { err: (error as Error).message, jobId: event.jobId },
        'ingest progress not announced',
      );
    }
  }

  /**
   * The ingest's hook: queues the batch for matching and returns at once. Batches are matched one
   * after the other, so each subscriber sees this instance's changes in ingest order.
   */
  documentsChanged(changed: ChangedDocument[]): void {
    if (changed.length === 0 || this.closing) return;
    this.batches.push(changed);
    if (this.batches.length > this.options.maxPendingBatches) {
      this.batches.shift();
      this.counters.droppedBatches++;
      this.deps.logger.error(
        { pending: this.batches.length },
        'live matching is behind ingest: oldest batch dropped, its subscribers miss it',
      );
    }
    this.draining ??= this.drain();
  }

  /** Resolves when every queued batch has been matched and published (tests, benchmarks, shutdown). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      for (let batch = this.batches.shift(); batch; batch = this.batches.shift()) {
        try {
          await this.match(batch);
        } catch (error) {
          this.counters.failedBatches++;
          this.deps.logger.error({ err: (error as Error).message }, 'live matching of a batch failed');
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async match(changed: ChangedDocument[]): Promise<void> {
    const { bus, repository, logger } = this.deps;
    await bus
      .publish(this.key('changes'), {
        changes: changed.map(({ id, change, collection }) => ({ id, change, collection })),
      })
      .catch((error: Error) => logger.warn({ err: error.message }, 'document changes not announced'));
    await this.registry.catchUp();
    const queries = this.registry.queries;
    if (queries.size === 0) return;
    const batch: MatchDocument[] = changed.map((c) => ({
      id: c.id,
      change: c.change,
      collection: c.collection,
      document: c.document,
      chunks: c.chunks,
    }));
    const written = batch.filter((b) => b.document);
    if (queries.hasLexical && written.length) {
      const terms = await retry(() =>
        repository.analyseDocuments(
          written.map((b) => ({ title: b.document!.title, body: b.document!.body })),
        ),
      );
      written.forEach((b, i) => (b.terms = terms[i]));
    }
    const reused = written.filter((b) => !b.chunks && (b.document!.chunk_count ?? 0) > 0);
    if (queries.hasSemantic && reused.length) {
      const stored = await retry(() =>
        repository.chunks(reused.map((b) => ({ id: b.id, chunkCount: b.document!.chunk_count! }))),
      );
      for (const b of reused) b.chunks = stored.get(b.id) ?? [];
    }
    await this.route(queries.match(batch, Date.now()));
  }

  private async route(events: RoutedEvent[]): Promise<void> {
    this.counters.matchedEvents += events.length;
    const byInstance = new Map<string, LiveEvent[]>();
    for (const { instance, ...event } of events) {
      const list = byInstance.get(instance) ?? [];
      list.push(event);
      byInstance.set(instance, list);
    }
    for (const [instance, list] of byInstance) {
      if (instance === this.instance) this.deliver(list);
      else
        await this.deps.bus
          .publish(this.hitsChannel(instance), { events: list })
          .catch((error: Error) =>
            this.deps.logger.warn({ err: error.message, instance }, 'live matches not published'),
          );
    }
  }

  private deliver(events: LiveEvent[]): void {
    for (const event of events) this.local.get(event.subscriptionId)?.queue.push(event);
  }

  private announceChanges(changes: DocumentChangeEvent[]): void {
    for (const watcher of this.documentWatchers) {
      for (const change of changes) if (watcher.accepts(change)) watcher.queue.push(change);
    }
  }

  private announceProgress(event: IngestProgressEvent): void {
    for (const watcher of this.progressWatchers.get(event?.jobId) ?? []) {
      if (!watcher.accepts(event)) continue;
      watcher.queue.push(event);
      if (event.finished) watcher.queue.end();
    }
  }

  /** Renews this instance's live queries; one that vanished (swept during a long pause) is registered again. */
  private async heartbeat(): Promise<void> {
    if (this.local.size === 0) return;
    const expiresAt = Date.now() + this.options.ttlMs;
    try {
      const missing = new Set(await this.deps.repository.extend([...this.local.keys()], expiresAt));
      for (const [id, subscription] of this.local) {
        subscription.query.expiresAt = expiresAt;
        if (missing.has(id)) await this.deps.repository.put(subscription.query);
        if (missing.has(id) || !this.registry.queries.get(id))
          await this.registry.announce({ op: 'add', query: subscription.query });
      }
      await this.registry.announce({ op: 'extend', instance: this.instance, expiresAt });
    } catch (error) {
      this.deps.logger.warn({ err: (error as Error).message }, 'live queries not renewed');
    }
  }

  /** Forgets queries of instances that stopped renewing them; one instance at a time deletes them from the index. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    this.registry.queries.removeExpired(now);
    const turn = await this.deps.redis
      .set(this.key('sweep'), this.instance, 'PX', this.options.heartbeatMs, 'NX')
      .catch(() => null);
    if (turn !== 'OK') return;
    await this.deps.repository
      .deleteExpired(now)
      .catch((error: Error) =>
        this.deps.logger.warn({ err: error.message }, 'expired live queries not deleted'),
      );
  }

  /** Ends every subscription of this instance and removes its live queries (graceful shutdown). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const timer of this.timers) clearInterval(timer);
    const ids = [...this.local.keys()];
    for (const { queue } of this.local.values()) await queue.close();
    for (const { queue } of this.documentWatchers) await queue.close();
    for (const set of this.progressWatchers.values()) for (const { queue } of set) await queue.close();
    this.local.clear();
    await Promise.all(this.unsubscribing);
    await this.draining?.catch(() => undefined);
    try {
      await this.deps.repository.remove(ids);
      if (ids.length) await this.registry.announce({ op: 'remove', ids });
    } catch (error) {
      this.deps.logger.warn({ err: (error as Error).message }, 'live queries left to expire');
    }
    await this.registry.stop();
    for (const unsubscribe of this.unsubscribers) await unsubscribe().catch(() => undefined);
  }
}

async function retry<T>(task: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

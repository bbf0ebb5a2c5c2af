import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

export interface QueryCacheEvents {
  hit(): void;
  miss(): void;
  /** A change could not be recorded in Redis; it is replayed when Redis is back. */
  invalidationDeferred?(error: Error): void;
}

const ALL = '*';
/** Upper bound of a pending marker, should the refresh that clears it never finish. */
const PENDING_MS = 30_000;

/**
 * KEYS: the scope's generation keys, then its pending keys; ARGV[1]: the entry key without its
 * generations. Nothing (nil) while a collection of the scope is pending, else the entry key (the
 * generations appended, so a change makes every older entry unreachable) and the cached result.
 */
const LOOKUP = `
local n = #KEYS / 2
local generations = {}
for i = 1, n do
  if tonumber(redis.call('GET', KEYS[n + i]) or '0') > 0 then return nil end
  generations[i] = redis.call('GET', KEYS[i]) or ''
end
local key = ARGV[1] .. ':' .. table.concat(generations, ',')
return {key, redis.call('GET', key)}
`;

/**
 * Search results cached in Redis for every instance. A key is the normalised input plus the
 * principal's scope plus the change generation of each collection it covers (or of all
 * collections for an unscoped search), so a change to a collection makes its entries
 * unreachable at once; TTL cleans them up. Any Redis failure is a miss, never an error.
 *
 * A search issued after a write was acknowledged never gets a result computed before that
 * write became visible:
 * - a write not yet visible (acknowledged without `wait`) marks its collections pending: nothing
 *   is cached or served for them until the refresh that makes it visible has bumped their
 *   generation again;
 * - keys carry Redis's run id, so entries and generations restored from disk after a Redis
 *   restart are never read;
 * - a change this instance could not record (Redis unreachable) is replayed before the cache is
 *   used again.
 */
export class QueryCache {
  /** Redis's run id; unknown (cache bypassed) until the connection is ready and replayed. */
  private epoch?: string;
  private readonly deferred = new Set<string>();
  /** Collections marked pending by this instance, with how many marks each. */
  private readonly awaitingVisibility = new Map<string, number>();
  private refreshing?: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly events: QueryCacheEvents,
  ) {
    redis.on('ready', () => void this.resync());
    redis.on('close', () => (this.epoch = undefined));
    if (redis.status === 'ready') void this.resync();
  }

  private generationKey(collection: string): string {
    return `${this.prefix}:gen:${collection}`;
  }

  private pendingKey(collection: string): string {
    return `${this.prefix}:pending:${collection}`;
  }

  /** Learns the run id of the Redis now connected, after replaying changes it missed. */
  private async resync(): Promise<void> {
    try {
      const info = await this.redis.info('server');
      const runId = /run_id:(\w+)/.exec(info)?.[1];
      if (this.deferred.size) {
        const missed = [...this.deferred];
        await this.bump(missed);
        for (const collection of missed) this.deferred.delete(collection);
      }
      this.epoch = runId;
    } catch {
      this.epoch = undefined;
    }
  }

  /**
   * The key of a search and its cached result, or undefined when its result must not be cached
   * or served now: one round trip (LOOKUP), where reading the generations and then the entry took
   * two before every search the cache missed.
   */
  private async lookup(
    input: unknown,
    collections: string[] | undefined,
  ): Promise<{ key: string; cached: string | null } | undefined> {
    const epoch = this.epoch;
    if (!epoch) return undefined;
    const scope = collections?.length ? [...new Set(collections)].sort() : [ALL];
    const digest = createHash('sha256')
      .update(JSON.stringify([input, scope]))
      .digest('base64url');
    const found = (await this.redis.eval(
      LOOKUP,
      scope.length * 2,
      ...scope.map((c) => this.generationKey(c)),
      ...scope.map((c) => this.pendingKey(c)),
      `${this.prefix}:qc:${epoch}:${digest}`,
    )) as [string, string | null] | null;
    return found ? { key: found[0], cached: found[1] ?? null } : undefined;
  }

  /** The cached result, or `compute()`'s, stored for next time. */
  async getOrCompute<T>(
    input: unknown,
    collections: string[] | undefined,
    compute: () => Promise<T>,
  ): Promise<T> {
    if (this.ttlSeconds === 0) return compute();
    let key: string | undefined;
    try {
      const found = await this.lookup(input, collections);
      key = found?.key;
      const cached = found?.cached;
      if (cached) {
        this.events.hit();
        return JSON.parse(cached) as T;
      }
    } catch {
      key = undefined;
    }
    this.events.miss();
    const result = await compute();
    if (key) {
      const stored = key;
      // Stored once the answer is written: serialising the result and the Redis write are off the
      // request's path. A search that could be served the entry reaches Redis after this SET.
      setImmediate(() => this.store(stored, result));
    }
    return result;
  }

  private store(key: string, result: unknown): void {
    let value: string;
    try {
      value = JSON.stringify(result);
    } catch {
      return;
    }
    this.redis.set(key, value, 'EX', this.ttlSeconds).catch(() => undefined);
  }

  /**
   * Called for every acknowledged change: entries of these collections and of unscoped searches
   * become unreachable. `makeVisible` is given when the change is not searchable yet: the
   * collections stay pending until it resolves, then their entries are invalidated once more.
   */
  async invalidate(collections: string[], makeVisible?: () => Promise<unknown>): Promise<void> {
    const scope = [...new Set([...collections, ALL])];
    try {
      await this.bump(scope, makeVisible !== undefined);
    } catch (error) {
      for (const collection of scope) this.deferred.add(collection);
      // Until the replay, nothing this instance reads from the cache can be trusted.
      this.epoch = undefined;
      this.events.invalidationDeferred?.(error as Error);
      return;
    }
    if (makeVisible) {
      for (const collection of scope)
        this.awaitingVisibility.set(collection, (this.awaitingVisibility.get(collection) ?? 0) + 1);
      this.refreshing ??= this.refreshUntilSettled(makeVisible);
    }
  }

  /** Waits for pending changes to become visible (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.refreshing) await this.refreshing;
  }

  /** One refresh at a time: changes that arrive meanwhile wait for the next one. */
  private async refreshUntilSettled(makeVisible: () => Promise<unknown>): Promise<void> {
    try {
      while (this.awaitingVisibility.size) {
        const batch = new Map(this.awaitingVisibility);
        this.awaitingVisibility.clear();
        try {
          await makeVisible();
          await this.bump([...batch.keys()], undefined, batch);
        } catch (error) {
          // The pending markers expire on their own; until then nothing stale is served.
          for (const collection of batch.keys()) this.deferred.add(collection);
          this.events.invalidationDeferred?.(error as Error);
        }
      }
    } finally {
      this.refreshing = undefined;
    }
  }

  /** Bumps generations in one transaction; ioredis reports per-command failures, so they are checked. */
  private async bump(
    collections: string[],
    markPending = false,
    clearPending?: Map<string, number>,
  ): Promise<void> {
    const transaction = this.redis.multi();
    for (const collection of collections) {
      transaction.incr(this.generationKey(collection));
      // A count, not a flag: writes of other instances may be pending on the same collection.
      if (markPending)
        transaction.incr(this.pendingKey(collection)).pexpire(this.pendingKey(collection), PENDING_MS);
      const marks = clearPending?.get(collection);
      if (marks) transaction.decrby(this.pendingKey(collection), marks);
    }
    const results = await transaction.exec();
    if (!results) throw new Error('redis transaction aborted');
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0]!;
  }
}

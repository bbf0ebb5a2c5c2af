import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

export interface QueryCacheEvents {
  hit(): void;
  miss(): void;
}

const ALL = '*';

/**
 * Search results cached in Redis for every instance. A key is the normalised input plus the
 * principal's scope plus the change generation of each collection it covers (or of all
 * collections for an unscoped search), so a change to a collection makes its entries
 * unreachable at once; TTL cleans them up. Any Redis failure is a miss, never an error.
 */
export class QueryCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly events: QueryCacheEvents,
  ) {}

  private generationKey(collection: string): string {
    return `${this.prefix}:gen:${collection}`;
  }

  private async key(input: unknown, collections: string[] | undefined): Promise<string> {
    const scope = collections?.length ? [...collections].sort() : [ALL];
    const generations = await this.redis.mget(...scope.map((c) => this.generationKey(c)));
    const digest = createHash('sha256')
      .update(JSON.stringify([input, scope, generations]))
      .digest('base64url');
    return `${this.prefix}:qc:${digest}`;
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
      key = await this.key(input, collections);
      const cached = await this.redis.get(key);
      if (cached) {
        this.events.hit();
        return JSON.parse(cached) as T;
      }
    } catch {
      key = undefined;
    }
    this.events.miss();
    const result = await compute();
    if (key) this.redis.set(key, JSON.stringify(result), 'EX', this.ttlSeconds).catch(() => undefined);
    return result;
  }

  /** Called for every change: entries of these collections and of unscoped searches become unreachable. */
  async invalidate(collections: string[]): Promise<void> {
    const keys = [...new Set([...collections, ALL])].map((c) => this.generationKey(c));
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.incr(key);
    await pipeline.exec();
  }
}

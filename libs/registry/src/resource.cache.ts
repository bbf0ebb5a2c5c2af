import type Redis from 'ioredis';
import type { CachedResource, ResourceCache } from './resource.manager';

type Entry = CachedResource;

/**
 * Resource reads cached in Redis, shared by every instance. Entries expire after `ttlSeconds`
 * and are dropped at once when their document or collection changes.
 */
export class RedisResourceCache implements ResourceCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = 300,
  ) {}

  private key(uri: string): string {
    return `${this.prefix}:resource:${uri}`;
  }

  async get(uri: string): Promise<Entry | undefined> {
    const raw = await this.redis.get(this.key(uri));
    return raw ? (JSON.parse(raw) as Entry) : undefined;
  }

  async set(uri: string, value: Entry): Promise<void> {
    await this.redis.set(this.key(uri), JSON.stringify(value), 'EX', this.ttlSeconds);
  }

  async invalidate(uris: string[]): Promise<void> {
    if (uris.length) await this.redis.del(...uris.map((u) => this.key(u)));
  }
}

import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import { QueryCache } from './query.cache';
import type { RedisBus } from './redis.bus';
import { RedisShutdown } from './redis.module';

/**
 * The few Redis commands the cache uses, in memory. `down` makes every command fail as ioredis
 * does without an offline queue; `restart()` comes back with a new run id and, like a Redis
 * restored from its append-only file, with the old data.
 */
class FakeRedis extends EventEmitter {
  readonly data = new Map<string, string>();
  readonly ttls = new Map<string, number>();
  status = 'ready';
  // Redis run ids are 40 hexadecimal characters.
  runId = 'a'.repeat(40);
  down = false;
  /** Commands sent, by name: what a request costs in round trips. */
  readonly sent: string[] = [];

  private check(command = ''): void {
    this.sent.push(command);
    if (this.down) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
  }

  async info(): Promise<string> {
    this.check();
    return `# Server\r\nredis_version:7.0.15\r\nrun_id:${this.runId}\r\n`;
  }

  /** The cache's one script, LOOKUP, as Redis runs it (the integration tests run the real one). */
  async eval(_script: string, keyCount: number, ...keysAndArgs: string[]): Promise<unknown> {
    this.check('eval');
    const keys = keysAndArgs.slice(0, keyCount);
    const n = keyCount / 2;
    if (keys.slice(n).some((k) => Number(this.data.get(k) ?? 0) > 0)) return null;
    const key = `${keysAndArgs[keyCount]}:${keys
      .slice(0, n)
      .map((k) => this.data.get(k) ?? '')
      .join(',')}`;
    return [key, this.data.get(key) ?? null];
  }

  async mget(...keys: string[]): Promise<(string | null)[]> {
    this.check('mget');
    return keys.map((k) => this.data.get(k) ?? null);
  }

  async get(key: string): Promise<string | null> {
    this.check('get');
    return this.data.get(key) ?? null;
  }

  async set(key: string, value: string, _ex: 'EX', seconds: number): Promise<'OK'> {
    this.check('set');
    this.data.set(key, value);
    this.ttls.set(key, seconds);
    return 'OK';
  }

  multi() {
    const commands: (() => number)[] = [];
    const add = (key: string, by: number) => () => {
      const value = Number(this.data.get(key) ?? 0) + by;
      this.data.set(key, String(value));
      return value;
    };
    const transaction = {
      incr: (key: string) => (commands.push(add(key, 1)), transaction),
      decrby: (key: string, by: number) => (commands.push(add(key, -by)), transaction),
      pexpire: () => (commands.push(() => 1), transaction),
      exec: async () => {
        this.check();
        return commands.map((command) => [null, command()] as [null, number]);
      },
    };
    return transaction;
  }

  stop(): void {
    this.down = true;
    this.status = 'reconnecting';
    this.emit('close');
  }

  restart(runId: string): void {
    this.down = false;
    this.status = 'ready';
    this.runId = runId;
    this.emit('ready');
  }
}

/** Lets the cache's own background work (replays, refreshes) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('QueryCache', () => {
  let redis: FakeRedis;
  let events: { hits: number; misses: number; deferred: Error[] };
  let cache: QueryCache;
  let computed: number;

  /**
   * A search: its result says which computation produced it. Like a client's next request, the
   * next search comes after the answer has been written (when the entry is stored).
   */
  const search = async (input: unknown, collections?: string[]) => {
    const result = await cache.getOrCompute(input, collections, async () => ({ computation: ++computed }));
    await settle();
    return result;
  };

  beforeEach(async () => {
    redis = new FakeRedis();
    events = { hits: 0, misses: 0, deferred: [] };
    computed = 0;
    cache = new QueryCache(redis as unknown as Redis, 'qt', 300, {
      hit: () => events.hits++,
      miss: () => events.misses++,
      invalidationDeferred: (error) => events.deferred.push(error),
    });
    await settle();
  });

  it('answers a repeated search from the cache, for its TTL', async () => {
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 1 });
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 1 });
    expect(events).toMatchObject({ hits: 1, misses: 1 });
    expect([...redis.ttls.values()]).toEqual([300]);
  });

  it('costs one Redis round trip before a search it cannot answer', async () => {
    redis.sent.length = 0;
    let before: string[] = [];
    await cache.getOrCompute({ query: 'disk' }, ['notes', 'hr'], async () => {
      before = [...redis.sent];
      return { computation: ++computed };
    });
    expect(before).toHaveLength(1);
  });

  it('answers before it stores: the result is serialised and written to Redis after the answer', async () => {
    redis.sent.length = 0;
    const answer = await cache.getOrCompute({ query: 'disk' }, ['notes'], async () => ({ computation: 1 }));
    expect(answer).toEqual({ computation: 1 });
    expect(redis.sent).toEqual(['eval']);
    await settle();
    expect(redis.sent).toEqual(['eval', 'set']);
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 1 });
  });

  it('keeps searches of different inputs or scopes apart', async () => {
    await search({ query: 'disk' }, ['notes']);
    expect(await search({ query: 'disk', size: 5 }, ['notes'])).toEqual({ computation: 2 });
    expect(await search({ query: 'disk' }, ['hr'])).toEqual({ computation: 3 });
    expect(await search({ query: 'disk' })).toEqual({ computation: 4 });
    // The order of a scope does not matter.
    await search({ query: 'x' }, ['a', 'b']);
    expect(await search({ query: 'x' }, ['b', 'a'])).toEqual({ computation: 5 });
  });

  it('drops the entries of a changed collection and of unscoped searches, and only those', async () => {
    await search({ query: 'disk' }, ['notes']);
    await search({ query: 'disk' }, ['hr']);
    await search({ query: 'disk' });
    await cache.invalidate(['notes']);
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 4 });
    expect(await search({ query: 'disk' })).toEqual({ computation: 5 });
    expect(await search({ query: 'disk' }, ['hr'])).toEqual({ computation: 2 });
  });

  it('neither serves nor stores a result while a write is not yet visible', async () => {
    await search({ query: 'disk' }, ['notes']);
    let makeVisible!: () => void;
    const refresh = jest.fn(() => new Promise<void>((resolve) => (makeVisible = resolve)));
    await cache.invalidate(['notes'], refresh);
    // Before the refresh, a search may see the index without the write: it must not be cached.
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 2 });
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 3 });
    expect(events.hits).toBe(0);
    makeVisible();
    await cache.settled();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 4 });
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 4 });
  });

  it('keeps a collection pending until every write of it is visible', async () => {
    const refreshes: (() => void)[] = [];
    const refresh = () => new Promise<void>((resolve) => refreshes.push(resolve));
    await cache.invalidate(['notes'], refresh);
    await cache.invalidate(['notes'], refresh);
    refreshes.shift()!();
    await settle();
    // The second write waits for the next refresh: still nothing cached.
    await search({ query: 'disk' }, ['notes']);
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 2 });
    refreshes.shift()!();
    await cache.settled();
    await search({ query: 'disk' }, ['notes']);
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 3 });
  });

  it('is a miss, never an error, while Redis is down', async () => {
    await search({ query: 'disk' }, ['notes']);
    redis.stop();
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 2 });
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 3 });
  });

  it('never serves entries from before a Redis restart', async () => {
    await search({ query: 'disk' }, ['notes']);
    redis.stop();
    redis.restart('b'.repeat(40));
    await settle();
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 2 });
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 2 });
  });

  it('replays a change it could not record before using the cache again', async () => {
    await search({ query: 'disk' }, ['notes']);
    // Redis refuses the write's invalidation, without (yet) dropping the connection.
    redis.down = true;
    await cache.invalidate(['notes']);
    expect(events.deferred).toHaveLength(1);
    redis.down = false;
    // Until the replay, the old entry is not served.
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 2 });
    redis.stop();
    redis.restart('a'.repeat(40));
    await settle();
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 3 });
    expect(await search({ query: 'disk' }, ['notes'])).toEqual({ computation: 3 });
  });

  it('does nothing with Redis when its TTL is 0', async () => {
    const off = new QueryCache(redis as unknown as Redis, 'qt', 0, { hit: jest.fn(), miss: jest.fn() });
    redis.data.clear();
    let n = 0;
    await off.getOrCompute({ query: 'x' }, undefined, async () => ++n);
    expect(await off.getOrCompute({ query: 'x' }, undefined, async () => ++n)).toBe(2);
    expect(redis.data.size).toBe(0);
  });

  it('finishes an invalidation still waiting for its change before the app closes Redis', async () => {
    // A CLI ingest exits as its last batch is acknowledged: the refresh that makes it searchable
    // was still running, and the invalidation after it found Redis closed.
    let visible!: () => void;
    await cache.invalidate(['notes'], () => new Promise<void>((resolve) => (visible = resolve)));
    const shutdown = new RedisShutdown(
      Object.assign(redis, { disconnect: () => redis.stop() }) as unknown as Redis,
      { close: async () => undefined } as unknown as RedisBus,
      cache,
    );
    const closing = (async () => {
      await shutdown.beforeApplicationShutdown();
      await shutdown.onApplicationShutdown();
    })();
    await settle();
    visible();
    await closing;
    await cache.settled();
    expect(events.deferred).toEqual([]);
    expect(redis.down).toBe(true);
  });
});

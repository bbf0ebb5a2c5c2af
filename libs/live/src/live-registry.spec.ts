import type Redis from 'ioredis';
import type { Logger } from '@quarry/observability';
import type { LiveQueryRepository } from './live-query.repository';
import { LiveRegistry } from './live-registry';
import type { LiveQuery } from './live-types';
import type { MessageHandler, RedisBus } from '@quarry/redis';

function query(id: string): LiveQuery {
  return {
    subscriptionId: id,
    owner: 'o',
    instance: 'i1',
    mode: 'lexical',
    text: 'disk',
    scope: {},
    terms: { english: ['disk'], standard: ['disk'] },
    createdAt: new Date().toISOString(),
    expiresAt: Date.now() + 30_000,
  };
}

/** Redis and the bus as the registry uses them: a counter, and a channel whose delivery the test controls. */
function fakes(stored: LiveQuery[] = []) {
  let version = 0;
  let handler: MessageHandler | undefined;
  const sent: string[] = [];
  const redis = {
    get: async () => String(version),
    eval: async (_script: string, _keys: number, _versionKey: string, _channel: string, change: string) => {
      version++;
      sent.push(`{"v":${version},"m":${change}}`);
      return version;
    },
  } as unknown as Redis;
  const bus = {
    subscribe: async (_channel: string, h: MessageHandler) => {
      handler = h;
      return async () => undefined;
    },
  } as unknown as RedisBus;
  const repository = { active: jest.fn(async () => stored) } as unknown as LiveQueryRepository & {
    active: jest.Mock;
  };
  const logger = { warn: jest.fn() } as unknown as Logger;
  return {
    redis,
    bus,
    repository,
    logger,
    /** Delivers the n-th announcement (1-based) to the registry, as Redis would. */
    deliver: (n: number) => handler!(JSON.parse(sent[n - 1]), 'channel'),
    sent,
  };
}

const keys = { version: 'v', channel: 'c' };

describe('LiveRegistry', () => {
  it('applies its own announcements at once and others in order', async () => {
    const f = fakes();
    const mine = new LiveRegistry(f.redis, f.bus, f.repository, keys, f.logger);
    await mine.start();
    await mine.announce({ op: 'add', query: query('q1') });
    expect(mine.queries.get('q1')).toBeDefined();
    f.deliver(1);
    await mine.announce({ op: 'remove', ids: ['q1'] });
    f.deliver(2);
    expect(mine.queries.size).toBe(0);
    expect(f.repository.active).toHaveBeenCalledTimes(1);
  });

  it('reloads from the index when it sees a gap in the numbers, then replays what came after', async () => {
    const index = [query('stored')];
    const f = fakes(index);
    const other = new LiveRegistry(f.redis, f.bus, f.repository, keys, f.logger);
    await other.start();
    const sender = new LiveRegistry(
      f.redis,
      { subscribe: async () => async () => undefined } as never,
      f.repository,
      keys,
      f.logger,
    );
    // Another instance registers two queries (index first, then announcement); this copy misses the first.
    index.push(query('missed'));
    await sender.announce({ op: 'add', query: query('missed') });
    index.push(query('q2'));
    await sender.announce({ op: 'add', query: query('q2') });
    f.deliver(2);
    await other.catchUp();
    expect(f.repository.active).toHaveBeenCalledTimes(2);
    expect(
      other.queries
        .all()
        .map((q) => q.subscriptionId)
        .sort(),
    ).toEqual(['missed', 'q2', 'stored']);
    // What comes after the reload is applied in order again.
    await sender.announce({ op: 'extend', instance: 'i1', expiresAt: 123 });
    f.deliver(3);
    expect(other.queries.get('q2')?.expiresAt).toBe(123);
    expect(f.repository.active).toHaveBeenCalledTimes(2);
  });

  it('makes a batch wait for announcements already counted but not yet delivered', async () => {
    const f = fakes();
    const other = new LiveRegistry(f.redis, f.bus, f.repository, keys, f.logger);
    await other.start();
    const sender = new LiveRegistry(
      f.redis,
      { subscribe: async () => async () => undefined } as never,
      f.repository,
      keys,
      f.logger,
    );
    await sender.announce({ op: 'add', query: query('q1') });
    let caughtUp = false;
    const waiting = other.catchUp().then(() => (caughtUp = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(caughtUp).toBe(false);
    f.deliver(1);
    await waiting;
    expect(other.queries.get('q1')).toBeDefined();
    expect(f.repository.active).toHaveBeenCalledTimes(1);
  });
});

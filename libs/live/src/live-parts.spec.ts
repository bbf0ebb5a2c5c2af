import type Redis from 'ioredis';
import type { Principal } from '@quarry/core';
import type { Logger } from '@quarry/observability';
import type { RedisBus } from '@quarry/redis';
import type { SearchHit } from '@quarry/search';
import { BatchQueue } from './batch-queue';
import { IngestProgress } from './ingest-progress';
import { LiveFanOut } from './live-fan-out';
import { LiveHeartbeat } from './live-heartbeat';
import { liveKeys } from './live-keys';
import { LiveQueryIndex } from './live-matcher';
import type { LiveQueue } from './live-queue';
import { LiveSubscriptions } from './live-subscriptions';
import type { IngestProgressEvent, LiveCounters, LiveEvent, LiveQuery } from './live-types';

/*
 * The parts of LiveQueryService, each against fakes of Redis, the bus and the live index:
 * no Elasticsearch or Redis needed.
 */

function logger() {
  const lines: string[] = [];
  const log = (_fields: unknown, message: string) => void lines.push(message);
  return { lines, logger: { warn: log, error: log, info: log, debug: log } as unknown as Logger };
}

const counters = (): LiveCounters => ({
  matchedEvents: 0,
  droppedEvents: 0,
  droppedBatches: 0,
  failedBatches: 0,
});
const keys = liveKeys('unit');
const hit = (id: string) => ({ id }) as SearchHit;

function query(id: string, expiresAt = Date.now() + 30_000): LiveQuery {
  return {
    subscriptionId: id,
    owner: 'o',
    instance: 'here',
    mode: 'lexical',
    text: '',
    scope: {},
    terms: { english: [], standard: [] },
    createdAt: new Date().toISOString(),
    expiresAt,
  };
}

/** A bus that records what is published; `failing` makes publishing reject as if Redis were gone. */
function fakeBus() {
  const published: { channel: string; message: unknown }[] = [];
  const bus = {
    failing: false,
    publish: async (channel: string, message: unknown) => {
      if (bus.failing) throw new Error('ECONNREFUSED');
      published.push({ channel, message });
    },
    subscribe: async () => async () => undefined,
  };
  return { bus, published };
}

describe('BatchQueue', () => {
  it('runs batches one after the other, in order, and idle() waits for the last', async () => {
    const ran: number[] = [];
    let running = 0;
    const queue = new BatchQueue<number>(
      async (n) => {
        expect(++running).toBe(1);
        await new Promise((resolve) => setImmediate(resolve));
        ran.push(n);
        running--;
      },
      { capacity: 10 },
      counters(),
      logger().logger,
    );
    for (const n of [1, 2, 3]) queue.push(n);
    await queue.idle();
    expect(ran).toEqual([1, 2, 3]);
  });

  it('drops the oldest waiting batch beyond its capacity, counts failures and goes on', async () => {
    const ran: number[] = [];
    const count = counters();
    const log = logger();
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const queue = new BatchQueue<number>(
      async (n) => {
        if (n === 1) await first;
        if (n === 3) throw new Error('analysis failed');
        ran.push(n);
      },
      { capacity: 2 },
      count,
      log.logger,
    );
    for (const n of [1, 2, 3, 4]) queue.push(n);
    release();
    await queue.idle();
    expect(ran).toEqual([1, 4]);
    expect(count).toMatchObject({ droppedBatches: 1, failedBatches: 1 });
    queue.stop();
    queue.push(5);
    await queue.idle();
    expect(ran).toEqual([1, 4]);
  });
});

describe('LiveFanOut', () => {
  it('delivers matches for this instance here and publishes one message per other instance', async () => {
    const { bus, published } = fakeBus();
    const fanOut = new LiveFanOut(bus as unknown as RedisBus, keys, 'here', logger().logger);
    const local: LiveEvent[][] = [];
    const event = (instance: string, id: string) => ({
      instance,
      subscriptionId: id,
      change: 'new' as const,
      hit: hit(id),
    });
    await fanOut.route(
      [event('here', 'a'), event('there', 'b'), event('there', 'c'), event('yonder', 'd')],
      (events) => local.push(events),
    );
    expect(local).toEqual([[{ subscriptionId: 'a', change: 'new', hit: hit('a') }]]);
    expect(
      published.map((p) => [
        p.channel,
        (p.message as { events: LiveEvent[] }).events.map((e) => e.subscriptionId),
      ]),
    ).toEqual([
      [keys.hits('there'), ['b', 'c']],
      [keys.hits('yonder'), ['d']],
    ]);
  });

  it('logs a lost publication instead of failing the batch', async () => {
    const { bus } = fakeBus();
    bus.failing = true;
    const log = logger();
    const fanOut = new LiveFanOut(bus as unknown as RedisBus, keys, 'here', log.logger);
    await fanOut.route(
      [{ instance: 'there', subscriptionId: 'b', change: 'new', hit: hit('b') }],
      () => undefined,
    );
    await fanOut.announceChanges([{ id: 'd', change: 'new', collection: 'c' }]);
    expect(log.lines).toEqual(['live matches not published', 'document changes not announced']);
  });
});

describe('IngestProgress', () => {
  function setup(stored?: IngestProgressEvent) {
    const state = new Map<string, string>(stored ? [[keys.job(stored.jobId), JSON.stringify(stored)]] : []);
    const redis = {
      get: async (key: string) => state.get(key) ?? null,
      set: async (key: string, value: string) => void state.set(key, value),
    } as unknown as Redis;
    const announced: IngestProgressEvent[] = [];
    const progress = new IngestProgress(
      redis,
      { announceProgress: async (event) => void announced.push(event) },
      keys,
      { queueCapacity: 10 },
      logger().logger,
    );
    return { progress, announced, state };
  }
  const owner: Principal = { id: 'alice', role: 'writer' };
  const report = (done: number, finished = false): IngestProgressEvent => ({
    jobId: 'j1',
    owner: 'alice',
    done,
    total: 3,
    finished,
  });

  it('gives a late subscriber the latest state, never goes backwards, and ends after the last report', async () => {
    const { progress } = setup(report(2));
    const stream = await progress.watch('j1', owner);
    progress.receive(report(1));
    progress.receive(report(3, true));
    const seen: number[] = [];
    for await (const event of stream) seen.push(event.done);
    expect(seen).toEqual([2, 3]);
    expect(progress.size).toBe(0);
  });

  it('shows a job only to the principal that started it, and to admins', async () => {
    const { progress } = setup();
    const other = await progress.watch('j1', { id: 'mallory', role: 'writer' });
    const admin = await progress.watch('j1', { id: 'root', role: 'admin' });
    progress.receive(report(3, true));
    expect(((await admin.next()).value as IngestProgressEvent).done).toBe(3);
    expect((other as LiveQueue<IngestProgressEvent>).size).toBe(0);
    await other.close();
  });

  it('stores the latest report for late subscribers and announces it', async () => {
    const { progress, announced, state } = setup();
    await progress.report(report(1));
    expect(announced).toEqual([report(1)]);
    expect(JSON.parse(state.get(keys.job('j1'))!)).toEqual(report(1));
  });
});

describe('LiveSubscriptions', () => {
  function setup(failAnnounce = false) {
    const index = new Map<string, LiveQuery>();
    const repository = {
      put: async (q: LiveQuery) => void index.set(q.subscriptionId, q),
      remove: async (ids: string[]) => ids.forEach((id) => index.delete(id)),
    };
    const announced: string[] = [];
    const registry = {
      queries: new LiveQueryIndex(),
      announce: async (change: { op: string }) => {
        if (failAnnounce) throw new Error('redis down');
        announced.push(change.op);
      },
    };
    const count = counters();
    const subscriptions = new LiveSubscriptions(
      repository,
      registry,
      { queueCapacity: 1 },
      count,
      logger().logger,
    );
    return { subscriptions, index, announced, count };
  }

  it('stores and announces a query, delivers only its own events, and removes it when the client leaves', async () => {
    const { subscriptions, index, announced } = setup();
    const stream = await subscriptions.open(query('s1'));
    expect([...index.keys()]).toEqual(['s1']);
    subscriptions.deliver([
      { subscriptionId: 'other', change: 'new', hit: hit('x') },
      { subscriptionId: 's1', change: 'new', hit: hit('y') },
    ]);
    expect((await stream.next()).value).toMatchObject({ hit: { id: 'y' } });
    await stream.return!();
    expect(index.size).toBe(0);
    expect(announced).toEqual(['add', 'remove']);
    expect(subscriptions.size).toBe(0);
  });

  it('counts what a slow subscriber loses', async () => {
    const { subscriptions, count } = setup();
    const stream = await subscriptions.open(query('s1'));
    subscriptions.deliver(
      ['a', 'b', 'c'].map((id) => ({ subscriptionId: 's1', change: 'new' as const, hit: hit(id) })),
    );
    expect(count.droppedEvents).toBe(2);
    expect((await stream.next()).value).toMatchObject({ hit: { id: 'c' }, dropped: 2 });
  });

  it('leaves nothing behind when the query cannot be announced', async () => {
    const { subscriptions, index } = setup(true);
    await expect(subscriptions.open(query('s1'))).rejects.toThrow('redis down');
    expect(index.size).toBe(0);
    expect(subscriptions.size).toBe(0);
  });
});

describe('LiveHeartbeat', () => {
  it('renews its own queries, registers again one that was swept, and announces the renewal', async () => {
    const own = new Map([
      ['kept', query('kept')],
      ['swept', query('swept')],
    ]);
    const put: string[] = [];
    const announced: string[] = [];
    const queries = new LiveQueryIndex();
    queries.add(own.get('kept')!);
    const heartbeat = new LiveHeartbeat(
      'here',
      { queries: () => own },
      {
        extend: async () => ['swept'],
        put: async (q) => void put.push(q.subscriptionId),
        deleteExpired: async () => 0,
      },
      { queries, announce: async (change) => void announced.push(change.op) },
      {} as Redis,
      keys,
      { heartbeatMs: 10_000, ttlMs: 30_000 },
      logger().logger,
    );
    const before = Date.now();
    await heartbeat.renew();
    expect(put).toEqual(['swept']);
    expect(announced).toEqual(['add', 'extend']);
    expect(own.get('kept')!.expiresAt).toBeGreaterThanOrEqual(before + 30_000);
  });

  it('forgets expired queries everywhere, and deletes them from the index only on its turn', async () => {
    const queries = new LiveQueryIndex();
    queries.add(query('dead', Date.now() - 1));
    let turn = 'OK';
    const deleted: number[] = [];
    const heartbeat = new LiveHeartbeat(
      'here',
      { queries: () => new Map() },
      {
        extend: async () => [],
        put: async () => undefined,
        deleteExpired: async (now) => deleted.push(now),
      },
      { queries, announce: async () => undefined },
      { set: async () => turn } as unknown as Redis,
      keys,
      { heartbeatMs: 10_000, ttlMs: 30_000 },
      logger().logger,
    );
    await heartbeat.sweep();
    expect(queries.size).toBe(0);
    expect(deleted).toHaveLength(1);
    turn = '';
    await heartbeat.sweep();
    expect(deleted).toHaveLength(1);
  });
});

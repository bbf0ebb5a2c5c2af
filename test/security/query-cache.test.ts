/* eslint-disable @typescript-eslint/no-explicit-any -- tests assert on response bodies of many shapes */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRedisConnection, QueryCache } from '@quarry/redis';
import { findFreePort } from '@quarry/services';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { call } from '../support/http';
import { dropIndices, eventually, testConfig } from '../support/test-env';

const ids = (result: any): string[] => result.body.hits.map((hit: any) => hit.id);

// A write is acknowledged, then searched: the cache must never hand back what was true before it.
describe('the query cache never outlives an acknowledged write', () => {
  let server: RunningServer;
  const search = (query: string, collection?: string) =>
    call(server.url, 'POST', '/v1/search', { query, mode: 'lexical', ...(collection ? { collection } : {}) });

  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig());
    await call(server.url, 'POST', '/v1/documents?wait=true', [
      { id: 'zebra-1', collection: 'zoo', body: 'The zebra grazes in the savannah.' },
    ]);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('finds a document ingested without wait as soon as it is visible', async () => {
    expect(ids(await search('zebra'))).toEqual(['zebra-1']);
    const ingested = await call(server.url, 'POST', '/v1/documents', [
      { id: 'zebra-2', collection: 'zoo', body: 'A second zebra drinks at the river.' },
    ]);
    expect(ingested.status).toBe(200);
    await search('zebra'); // issued at once: may be computed before the refresh, must not be kept
    await server.app.get(QueryCache).settled();
    expect(ids(await search('zebra')).sort()).toEqual(['zebra-1', 'zebra-2']);
    expect(ids(await search('zebra')).sort()).toEqual(['zebra-1', 'zebra-2']);
  });

  it('drops a document deleted without wait', async () => {
    expect(ids(await search('river'))).toEqual(['zebra-2']);
    expect((await call(server.url, 'DELETE', '/v1/documents/zebra-2')).status).toBe(200);
    await search('river');
    await server.app.get(QueryCache).settled();
    expect(ids(await search('river'))).toEqual([]);
  });

  it("invalidates the old collection's results when a document moves", async () => {
    expect(ids(await search('zebra', 'zoo'))).toEqual(['zebra-1']);
    await call(server.url, 'POST', '/v1/documents?wait=true', [
      { id: 'zebra-1', collection: 'farm', body: 'The zebra grazes in the savannah.' },
    ]);
    expect(ids(await search('zebra', 'zoo'))).toEqual([]);
  });
});

/** A Redis of this test's own (the shared one must not be restarted), persisting to an append-only file. */
function redisServer(port: number, dir: string): ChildProcess {
  return spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  );
}

describe('the query cache across a Redis restart from its append-only file', () => {
  let redisProcess: ChildProcess;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-aof-'));

  afterAll(() => {
    redisProcess?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('never serves entries of generations restored from before a change it could not record', async () => {
    const port = await findFreePort();
    redisProcess = redisServer(port, dir);
    const redis = createRedisConnection(`redis://127.0.0.1:${port}`, 'aof-test');
    redis.on('error', () => undefined);
    const counts = { hit: 0, miss: 0 };
    const cache = new QueryCache(redis, 'qt-aof', 300, {
      hit: () => counts.hit++,
      miss: () => counts.miss++,
    });
    try {
      let truth = 'before';
      const read = () => cache.getOrCompute({ query: 'q' }, ['c'], async () => truth);
      await eventually(
        async () => {
          await read();
          return counts.hit;
        },
        (hits) => hits > 0,
        15_000,
      );
      const stopped = new Promise((resolve) => redisProcess.once('exit', resolve));
      redisProcess.kill('SIGTERM');
      await stopped;
      truth = 'after';
      await cache.invalidate(['c']); // Redis is gone: the change is recorded for later
      expect(await read()).toBe('after');
      redisProcess = redisServer(port, dir);
      await eventually(
        async () => redis.status,
        (status) => status === 'ready',
        15_000,
      );
      expect(await read()).toBe('after');
      expect(await read()).toBe('after');
    } finally {
      redis.disconnect();
    }
  });
});

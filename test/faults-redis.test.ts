import { type RunningServer } from '../apps/server/src/server';
import { startServerWithoutModel } from './support/server';
import { OwnRedis } from './support/own-redis';
import { call } from './support/http';
import { dropIndices, eventually, testConfig } from './support/test-env';

/**
 * Redis stopped under a running Quarry, and started again. The policy: searches keep working
 * (rate limits fail open for reads, the query cache misses), writes are refused as unavailable
 * (an unmetered writer could flood the indices), and everything recovers once Redis is back.
 * This file stops only its own Redis (another port); Elasticsearch is the shared test node.
 */
describe('faults: Redis stopped and started again', () => {
  const redis = new OwnRedis('faults-redis');
  let server: RunningServer;
  const reader = { authorization: 'Bearer faults-reader-1' };
  const writer = { authorization: 'Bearer faults-writer-1' };

  const readiness = () => call(server.url, 'GET', '/health/ready');
  const ready = async () => (await readiness()).body;
  const ingest = (id: string) =>
    call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      [{ id, collection: 'faults', body: `Redis fault document ${id}.` }],
      writer,
    );
  const search = () =>
    call(server.url, 'POST', '/v1/search', { query: 'redis fault document', mode: 'lexical' }, reader);

  beforeAll(async () => {
    const redisUrl = await redis.start();
    server = await startServerWithoutModel(
      testConfig({
        REDIS_URL: redisUrl,
        QUARRY_API_KEYS: 'faults-reader-1:reader,faults-writer-1:writer',
        QUARRY_REQUEST_TIMEOUT_MS: '3000',
      }),
    );
    expect((await ingest('before')).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await redis.remove();
    if (server) await dropIndices(server.config.indexPrefix);
  }, 60_000);

  it('serves searches and refuses writes with 503 while Redis is down, then recovers', async () => {
    await redis.stop();
    // Quarry has noticed: readiness reports Redis down, and the instance degraded but serving (200),
    // with the reason: an instance that answers searches is not taken out of the load balancer.
    const down = await eventually(readiness, (r) => r.body?.redis?.status === 'down', 15_000);
    expect(down.status).toBe(200);
    expect(down.body.status).toBe('degraded');
    expect(down.body.reasons.join()).toMatch(/^redis: .*searches and reads are served, writes are refused/);

    const read = await search();
    expect(read.status).toBe(200);
    expect(read.body.hits.map((h: { id: string }) => h.id)).toEqual(['before']);

    const refused = await ingest('during');
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('unavailable');
    expect(refused.body.error.message).toMatch(/^redis is unavailable\b/);
    expect((await ready()).redis.status).toBe('down');

    await redis.start();
    await eventually(ready, (r) => r?.status === 'ready', 30_000);
    expect((await ingest('after')).status).toBe(200);
    const ids = (await search()).body.hits.map((h: { id: string }) => h.id).sort();
    expect(ids).toEqual(['after', 'before']);
  }, 90_000);
});

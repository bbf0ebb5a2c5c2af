import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedElasticsearch, stopEmbeddedElasticsearch } from '@quarry/embedded-elasticsearch';
import { findFreePort, startRedis, stopRedis } from '@quarry/services';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { call } from './support/http';
import { eventually, testConfig } from './support/test-env';

/**
 * Ingest in a loop while Elasticsearch, then Redis, is stopped and restarted. Every document
 * that was acknowledged must be searchable afterwards; every refused one must have got a clear
 * error, never a 500 or a hang. Own Elasticsearch node and Redis, so the other tests are unaffected.
 */
describe('faults: Elasticsearch and Redis stopped and restarted under ingest', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-faults-'));
  let esPort = 0;
  let redisPort = 0;
  let server: RunningServer;
  const acknowledged: string[] = [];
  const refusals: { status: number; message: string }[] = [];

  const esOptions = () => ({ dataDir, port: esPort, heap: '512m' });
  const redisOptions = () => ({ dataDir, url: `redis://127.0.0.1:${redisPort}`, explicit: false });

  beforeAll(async () => {
    esPort = await findFreePort();
    redisPort = await findFreePort();
    const elasticsearchUrl = await startEmbeddedElasticsearch(esOptions());
    const redisUrl = await startRedis(redisOptions());
    server = await startServer(
      testConfig({
        ELASTICSEARCH_URL: elasticsearchUrl,
        REDIS_URL: redisUrl,
        QUARRY_REQUEST_TIMEOUT_MS: '3000',
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await stopEmbeddedElasticsearch(esOptions());
    await stopRedis(redisOptions());
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  /** Ingests one document per call until `stop` resolves; records what was acknowledged and what was refused. */
  async function ingestLoop(label: string, until: Promise<void>): Promise<void> {
    let done = false;
    void until.then(() => (done = true));
    for (let i = 0; !done; i++) {
      const id = `${label}-${i}`;
      const started = Date.now();
      const response = await call(server.url, 'POST', '/v1/documents', [
        { id, collection: 'faults', body: `Fault test document ${id}.` },
      ]);
      expect(Date.now() - started).toBeLessThan(15_000);
      if (response.status === 200 && response.body.items[0].status !== 'failed') acknowledged.push(id);
      else {
        expect(response.status).not.toBe(500);
        const message = response.body?.error?.message ?? response.body?.items?.[0]?.error;
        expect(message).toMatch(/unavailable|redis|elasticsearch/i);
        refusals.push({ status: response.status, message });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('loses no acknowledged document when Elasticsearch restarts, and refuses clearly while it is down', async () => {
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, 1500));
      await stopEmbeddedElasticsearch(esOptions());
      await new Promise((r) => setTimeout(r, 2000));
      await startEmbeddedElasticsearch(esOptions());
      await eventually(
        async () => (await call(server.url, 'GET', '/health/ready')).status,
        (s) => s === 200,
        60_000,
      );
      await new Promise((r) => setTimeout(r, 1500));
    })();
    await ingestLoop('es', outage);
    expect(refusals.some((r) => r.status === 503)).toBe(true);
  }, 180_000);

  it('keeps ingesting or refuses clearly while Redis restarts', async () => {
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, 1000));
      await stopRedis(redisOptions());
      await new Promise((r) => setTimeout(r, 2000));
      await startRedis(redisOptions());
      await eventually(
        async () => (await call(server.url, 'GET', '/health/ready')).status,
        (s) => s === 200,
        30_000,
      );
      await new Promise((r) => setTimeout(r, 1000));
    })();
    await ingestLoop('redis', outage);
    // Searches keep working while Redis is gone: reads are not refused.
    expect((await call(server.url, 'POST', '/v1/search', { query: 'fault', mode: 'lexical' })).status).toBe(
      200,
    );
  }, 120_000);

  it('has every acknowledged document searchable afterwards', async () => {
    expect(acknowledged.length).toBeGreaterThan(10);
    await server.runtime.elasticsearch.indices.refresh({ index: server.runtime.indices.docs });
    const found = await server.runtime.elasticsearch.mget({
      index: server.runtime.indices.docs,
      ids: acknowledged,
      _source: false,
    });
    const missing = found.docs.filter((d) => !('found' in d) || !d.found).map((d) => d._id);
    expect(missing).toEqual([]);
  }, 60_000);
});

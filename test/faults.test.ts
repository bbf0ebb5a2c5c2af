import { INDICES, type IndexNames } from '@quarry/search';
import { Client } from '@elastic/elasticsearch';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmbeddedElasticsearch, stopEmbeddedElasticsearch } from '@quarry/embedded-elasticsearch';
import { findFreePort } from '@quarry/services';
import { type RunningServer } from '../apps/server/src/server';
import { startServerWithoutModel } from './support/server';
import { call } from './support/http';
import { eventually, testConfig } from './support/test-env';

/**
 * Ingest in a loop while Elasticsearch is stopped and restarted. Every document that was
 * acknowledged must be searchable afterwards; every refused one must have got a clear error,
 * never a 500 or a hang. Own Elasticsearch node, so the other tests are unaffected (Redis
 * stopped and restarted: faults-redis.test.ts).
 */
describe('faults: Elasticsearch stopped and restarted under ingest', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-faults-'));
  let esPort = 0;
  let server: RunningServer;
  const acknowledged: string[] = [];
  const refusals: { status: number; message: string }[] = [];

  const esOptions = () => ({ dataDir, port: esPort, heap: '512m' });

  beforeAll(async () => {
    esPort = await findFreePort();
    const elasticsearchUrl = await startEmbeddedElasticsearch(esOptions());
    server = await startServerWithoutModel(
      testConfig({ ELASTICSEARCH_URL: elasticsearchUrl, QUARRY_REQUEST_TIMEOUT_MS: '3000' }),
    );
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await stopEmbeddedElasticsearch(esOptions());
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
    }
  }

  it('loses no acknowledged document when Elasticsearch restarts, and refuses clearly while it is down', async () => {
    const acknowledgedCount = async () => acknowledged.length;
    const outage = (async () => {
      await eventually(acknowledgedCount, (n) => n >= 5);
      await stopEmbeddedElasticsearch(esOptions());
      // Down for as long as it takes the loop to be refused a few times.
      await eventually(
        async () => refusals.length,
        (n) => n >= 3,
      );
      await startEmbeddedElasticsearch(esOptions());
      await eventually(
        async () => (await call(server.url, 'GET', '/health/ready')).status,
        (s) => s === 200,
        60_000,
      );
      const before = acknowledged.length;
      await eventually(acknowledgedCount, (n) => n >= before + 5);
    })();
    await ingestLoop('es', outage);
    expect(refusals.some((r) => r.status === 503)).toBe(true);
  }, 180_000);

  it('has every acknowledged document searchable afterwards', async () => {
    expect(acknowledged.length).toBeGreaterThanOrEqual(10);
    await server.app.get(Client).indices.refresh({ index: server.app.get<IndexNames>(INDICES).docs });
    const found = await server.app.get(Client).mget({
      index: server.app.get<IndexNames>(INDICES).docs,
      ids: acknowledged,
      _source: false,
    });
    const missing = found.docs.filter((d) => !('found' in d) || !d.found).map((d) => d._id);
    expect(missing).toEqual([]);
  }, 60_000);
});

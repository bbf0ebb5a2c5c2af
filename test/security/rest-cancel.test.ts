import { INDICES, type IndexNames } from '@quarry/search';
import { Client } from '@elastic/elasticsearch';
import { startServer, type RunningServer } from '../../apps/server/src/server';
import { dropIndices, eventually, testConfig } from '../support/test-env';

/** Sum of a Prometheus series' samples whose labels contain every given fragment. */
async function metric(server: RunningServer, name: string, ...fragments: string[]): Promise<number> {
  return (await (await fetch(`${server.url}/metrics`)).text())
    .split('\n')
    .filter((line) => line.startsWith(name) && fragments.every((f) => line.includes(f)))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

// A client that gives up must not leave the server embedding and indexing for nobody (a cheap
// way to tie up the embedder: send a big ingest and hang up, again and again).
describe('a REST client that disconnects cancels its operation', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(testConfig());
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('stops a large ingest once the client hangs up', async () => {
    const embedded = () => metric(server, 'quarry_embedding_duration_seconds_count');
    const cancelled = () =>
      metric(
        server,
        'quarry_requests_total{',
        'op="index_documents"',
        'transport="rest"',
        'outcome="invalid"',
      );
    const embeddedBefore = await embedded();
    const documents = Array.from({ length: 1000 }, (_, i) => ({
      id: `hang-up-${i}`,
      collection: 'hang-up',
      body: `A note that nobody will wait for, number ${i}.`,
    }));
    const controller = new AbortController();
    const pending = fetch(`${server.url}/v1/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(documents),
      signal: controller.signal,
    });
    pending.catch(() => undefined);
    await eventually(embedded, (n) => n > embeddedBefore, 30_000);
    controller.abort();
    await eventually(cancelled, (n) => n === 1, 30_000);
    await server.app.get(Client).indices.refresh({ index: server.app.get<IndexNames>(INDICES).docs });
    const { count } = await server.app.get(Client).count({
      index: server.app.get<IndexNames>(INDICES).docs,
      query: { term: { collection: 'hang-up' } },
    });
    expect(count).toBeLessThan(1000);
  });
});

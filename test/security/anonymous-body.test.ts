import * as http from 'node:http';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { dropIndices, testConfig } from '../support/test-env';

const WRITER = 'writer-key-0123';

/** `count` documents of about 1 KB each, as a bulk ingest body. */
const bulk = (count: number) =>
  JSON.stringify(
    Array.from({ length: count }, (_, i) => ({
      id: `bulk-${i}`,
      collection: 'bulk',
      body: 'x'.repeat(1000),
    })),
  );

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as { error?: { code?: string } } };
}

// An anonymous caller of a keyed Quarry could make it parse 20 MB of JSON (a main-thread stall of
// a few hundred milliseconds) before being refused; where credentials are required, a request
// without any is read only up to 64 KB.
describe('bodies of callers without credentials are bounded before they are parsed', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig({ QUARRY_API_KEYS: `${WRITER}:writer` }));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('refuses a 2 MB anonymous body as unauthenticated without parsing it', async () => {
    const large = await post(server.url, bulk(2_000));
    expect(large.status).toBe(401);
    expect(large.body.error?.code).toBe('unauthenticated');
  });

  it('answers a body declared at 10 MB before it is sent, instead of reading it', async () => {
    // Old behaviour: the server waited for all 10 MB (to parse them), so no answer came.
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(`${server.url}/v1/documents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(10_000_000) },
      });
      const timer = setTimeout(() => {
        request.destroy();
        reject(new Error('no answer while the body was still unsent'));
      }, 5_000);
      request.on('response', (response) => {
        clearTimeout(timer);
        response.resume();
        request.destroy();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', () => undefined);
      request.write('['.padEnd(1024, ' '));
    });
    expect(status).toBe(401);
    const small = await post(server.url, bulk(1));
    expect(small.status).toBe(401);
  });

  it('still reads a 2 MB body from a caller with credentials', async () => {
    const keyed = await post(server.url, bulk(1_000), { authorization: `Bearer ${WRITER}` });
    expect(keyed.status).toBe(200);
  });
});

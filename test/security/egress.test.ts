import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningServer } from '../../apps/server/src/server';
import { call } from '../support/http';
import { startServerWithoutModel } from '../support/server';
import { dropIndices, servicesFromSetup, testConfig } from '../support/test-env';

/** A loopback server that records every request that reaches it. */
class Listener {
  readonly requests: { path: string; headers: http.IncomingHttpHeaders }[] = [];
  private readonly server: http.Server;
  port = 0;

  constructor(handler: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
    this.server = http.createServer((request, response) => {
      this.requests.push({ path: request.url ?? '', headers: request.headers });
      handler(request, response);
    });
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const MB = 1024 * 1024;
/** The default body limit of source fetches, which the error must name. */
const LIMIT = 50 * MB;
/** However a client behaves, a hostile stream stops here: the test never generates gigabytes. */
const STREAM_CAP = 160 * MB;

/**
 * Streams filler until the client hangs up or STREAM_CAP is reached; resolves with the bytes sent
 * once the response is closed.
 */
function stream(response: http.ServerResponse, headers: http.OutgoingHttpHeaders): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    const chunk = Buffer.alloc(256 * 1024, ' ');
    response.on('close', () => resolve(sent));
    response.writeHead(200, { 'content-type': 'application/json', ...headers });
    const pump = () => {
      while (!response.destroyed && sent < STREAM_CAP) {
        sent += chunk.length;
        if (!response.write(chunk)) return void response.once('drain', pump);
      }
      response.end();
    };
    pump();
  });
}

/*
 * Sources fetch on a user's behalf: a hostile API or site must not steer Quarry into its own
 * Elasticsearch, other loopback services, other origins (with the source's secrets) or memory
 * exhaustion. The hostile servers are on loopback, so exactly their host:port is allow-listed.
 */
describe('egress policy: what a hostile source server cannot make Quarry fetch', () => {
  let quarry: RunningServer;
  const streamed: Promise<number>[] = [];
  const elasticsearch = new URL(servicesFromSetup().elasticsearchUrl);
  // Another loopback service, not allow-listed.
  const bystander = new Listener((_request, response) => response.end('{"data":[]}'));
  // A second allow-listed origin, which counts what reaches it.
  const second = new Listener((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ data: [{ id: 'moved-1', text: 'An item served after a redirect.' }] }));
  });
  const hostile = new Listener((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const redirect = (location: string) => response.writeHead(302, { location }).end();
    switch (url.pathname) {
      case '/into-elasticsearch':
        return redirect(`${elasticsearch.origin}/${quarry.config.indexPrefix}-meta/_search?size=100`);
      case '/into-elasticsearch-by-name':
        return redirect(
          `http://localhost:${elasticsearch.port}/${quarry.config.indexPrefix}-meta/_search?size=100`,
        );
      case '/into-loopback':
        return redirect(`${bystander.base}/anything`);
      case '/to-second':
        return redirect(`${second.base}/items`);
      case '/huge':
        return void streamed.push(stream(response, {}));
      case '/claims-huge':
        return void streamed.push(stream(response, { 'content-length': String(1.2e9) }));
      case '/sitemap.xml':
        response.writeHead(200, { 'content-type': 'application/xml' });
        return void response.end(
          `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` +
            `<sitemap><loc>${second.base}/sitemap-elsewhere.xml</loc></sitemap>` +
            `<sitemap><loc>${hostile.base}/sitemap-here.xml</loc></sitemap></sitemapindex>`,
        );
      case '/sitemap-here.xml':
        response.writeHead(200, { 'content-type': 'application/xml' });
        return void response.end(
          `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` +
            `<url><loc>${hostile.base}/page</loc></url><url><loc>${second.base}/page</loc></url></urlset>`,
        );
      case '/page':
        response.writeHead(200, { 'content-type': 'text/html' });
        return void response.end(
          `<!doctype html><html><head><title>Here</title></head><body><main><h1>Here</h1><p>${'The one page of this site. '.repeat(8)}</p></main></body></html>`,
        );
      default:
        response.writeHead(404).end();
    }
  });

  const addSource = async (definition: Record<string, unknown>) => {
    const added = await call(quarry.url, 'POST', '/v1/sources', {
      type: 'http-json',
      itemsPath: 'data',
      mapping: { id: 'id', body: 'text' },
      requestsPerSecond: 50,
      maxRetries: 1,
      ...definition,
    });
    expect(added.status).toBe(201);
  };
  const sync = async (name: string) =>
    (await call(quarry.url, 'POST', `/v1/sources/${name}/sync?wait=true`)).body;
  const documents = async (collection: string) =>
    (await call(quarry.url, 'GET', `/v1/documents?collection=${collection}&size=100`)).body;

  beforeAll(async () => {
    await Promise.all([hostile.listen(), second.listen(), bystander.listen()]);
    quarry = await startServerWithoutModel(
      testConfig({
        // `localhost` as a name too: Elasticsearch under that name must still be refused.
        QUARRY_FETCH_ALLOW: `127.0.0.1:${hostile.port},127.0.0.1:${second.port},localhost`,
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await quarry?.close();
    await Promise.all([hostile.close(), second.close(), bystander.close()]);
    if (quarry) await dropIndices(quarry.config.indexPrefix);
  });

  it("does not follow a redirect into Quarry's own Elasticsearch or another loopback port (row 5)", async () => {
    // A source whose stored definition holds a secret header: what the redirect was after.
    await addSource({
      name: 'victim',
      collection: 'victim',
      url: `${second.base}/items`,
      headers: { 'x-secret': 'victim-secret-1' },
    });
    const reasons: Record<string, string> = {};
    for (const [name, path] of [
      ['leak-by-address', '/into-elasticsearch'],
      ['leak-by-name', '/into-elasticsearch-by-name'],
      ['leak-loopback', '/into-loopback'],
    ]) {
      await addSource({
        name,
        collection: 'leaks',
        url: `${hostile.base}${path}`,
        itemsPath: 'hits.hits',
        mapping: { id: '_id', body: '_source' },
      });
      const job = await sync(name);
      expect(job).toMatchObject({
        status: 'failed',
        error: expect.stringContaining('refused by the egress policy'),
      });
      expect(job.error).not.toMatch(/unavailable/i);
      reasons[name] = job.error;
    }
    expect(reasons['leak-by-address']).toContain(
      `127.0.0.1:${elasticsearch.port} is Quarry's own Elasticsearch`,
    );
    // Allow-listing the name localhost does not open Elasticsearch under that name.
    expect(reasons['leak-by-name']).toContain(`Quarry's own Elasticsearch`);
    expect(reasons['leak-loopback']).toContain(
      'refused by the egress policy: 127.0.0.1 is a loopback address (allow it with QUARRY_FETCH_ALLOW)',
    );
    expect(bystander.requests).toHaveLength(0);
    const leaked = await documents('leaks');
    expect(leaked.total).toBe(0);
    const search = await call(quarry.url, 'POST', '/v1/search', {
      query: 'victim-secret-1',
      mode: 'lexical',
    });
    expect(JSON.stringify(search.body)).not.toContain('victim-secret-1');
  }, 120_000);

  it('refuses to define a source whose URL the policy refuses, naming the field', async () => {
    for (const [url, reason] of [
      [`${elasticsearch.origin}/${quarry.config.indexPrefix}-meta/_search`, "is Quarry's own Elasticsearch"],
      [`${bystander.base}/items`, '127.0.0.1 is a loopback address (allow it with QUARRY_FETCH_ALLOW)'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address'],
      ['http://[::ffff:10.0.0.1]/api', 'is a private address'],
    ]) {
      const added = await call(quarry.url, 'POST', '/v1/sources', {
        name: 'refused',
        type: 'http-json',
        collection: 'refused',
        url,
        mapping: { id: 'id', body: 'text' },
      });
      expect(added.status).toBe(400);
      expect(added.body.error.message).toContain('refused by the egress policy');
      expect(added.body.error.problems).toEqual([{ field: 'url', reason: expect.stringContaining(reason) }]);
    }
    expect(bystander.requests).toHaveLength(0);
  });

  it('sends none of the source headers to another origin a redirect leads to (row 6)', async () => {
    second.requests.length = 0;
    await addSource({
      name: 'moved',
      collection: 'moved',
      url: `${hostile.base}/to-second`,
      headers: { authorization: 'Bearer api-token-1', 'x-secret': 'custom-secret-1', cookie: 'session=1' },
    });
    const job = await sync('moved');
    expect(job).toMatchObject({ status: 'succeeded', counts: { indexed: 1 } });
    // The first hop, on the source's own origin, had them.
    expect(hostile.requests.at(-1)!.headers).toMatchObject({ 'x-secret': 'custom-secret-1' });
    expect(second.requests).toHaveLength(1);
    const headers = second.requests[0].headers;
    expect(headers.authorization).toBeUndefined();
    expect(headers['x-secret']).toBeUndefined();
    expect(headers.cookie).toBeUndefined();
  }, 120_000);

  it('stops reading a huge response at the limit, names the limit, and keeps memory low (row 7)', async () => {
    await addSource({ name: 'huge', collection: 'huge', url: `${hostile.base}/huge` });
    await addSource({ name: 'claims-huge', collection: 'huge', url: `${hostile.base}/claims-huge` });
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      for (const name of ['huge', 'claims-huge']) {
        const job = await sync(name);
        expect(job).toMatchObject({ status: 'failed' });
        expect(job.error).toContain(`limit of ${LIMIT} bytes`);
        expect(job.error).not.toContain('undefined');
      }
    } finally {
      clearInterval(sampler);
    }
    const [huge, claimed] = await Promise.all(streamed);
    // Read while streaming: cut soon after the limit (socket buffers aside), not at the end.
    expect(huge).toBeLessThan(LIMIT + 16 * MB);
    // A declared length past the limit is refused before the body.
    expect(claimed).toBeLessThan(16 * MB);
    expect(peak - baseline).toBeLessThan(300 * MB);
    expect((await documents('huge')).total).toBe(0);
  }, 120_000);

  it('fetches no sitemap or page a sitemap index lists on another origin (row 8)', async () => {
    second.requests.length = 0;
    const added = await call(quarry.url, 'POST', '/v1/sources', {
      name: 'site',
      type: 'web',
      collection: 'site',
      url: `${hostile.base}/sitemap.xml`,
      sitemap: true,
      requestsPerSecond: 50,
      maxRetries: 0,
    });
    expect(added.status).toBe(201);
    const job = await sync('site');
    expect(job).toMatchObject({ status: 'succeeded', counts: { indexed: 1 } });
    expect(second.requests).toEqual([]);
  }, 120_000);
});

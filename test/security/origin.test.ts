import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { dropIndices, testConfig } from '../support/test-env';
import { rawRequest, upgrade } from './raw-http';

// The attack: a hostile web page, in the browser of someone running Quarry on loopback, calls
// it from its own origin, or by DNS rebinding (evil.example resolving to 127.0.0.1, so the
// browser sends `Host: evil.example:PORT`). In protected mode every loopback caller is admin.
describe('protected mode resists a hostile web page (Host and Origin on every route and socket)', () => {
  let server: RunningServer;
  let evilHost: string;
  let wsBase: string;

  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig());
    evilHost = `evil.example:${server.port}`;
    wsBase = server.url.replace('http', 'ws');
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it.each([
    ['GET', '/v1/collections', undefined],
    ['POST', '/v1/keys', { name: 'stolen', role: 'admin' }],
    ['DELETE', '/v1/documents/anything', undefined],
    ['POST', '/graphql', { query: '{ collections { name } }' }],
    ['POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }],
    ['GET', '/metrics', undefined],
  ])('a rebinding page cannot %s %s', async (method, path, body) => {
    const answer = await rawRequest(server.url, method, path, { host: evilHost }, body);
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('evil.example');
    expect(answer.text).toContain('QUARRY_ALLOWED_HOSTS');
  });

  it('creates no key for a rebinding page', async () => {
    await rawRequest(server.url, 'POST', '/v1/keys', { host: evilHost }, { name: 'rebound', role: 'admin' });
    const keys = await rawRequest(server.url, 'GET', '/v1/keys', {});
    expect(keys.status).toBe(200);
    expect(keys.text).not.toContain('rebound');
  });

  it.each([
    ['POST', '/v1/search', { query: 'anything' }],
    ['POST', '/graphql', { query: '{ collections { name } }' }],
  ])('a cross-site page cannot %s %s', async (method, path, body) => {
    const answer = await rawRequest(server.url, method, path, { origin: 'http://evil.example' }, body);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text).error.message).toContain('Origin "http://evil.example" is not allowed');
  });

  it.each([
    ['/mcp/ws', 'mcp'],
    ['/graphql', 'graphql-transport-ws'],
  ])('refuses a WebSocket upgrade of %s from a hostile Origin or Host', async (path, protocol) => {
    const fromOrigin = await upgrade(`${wsBase}${path}`, protocol, { origin: 'http://evil.example' });
    expect(fromOrigin).toMatchObject({ opened: false, status: 403 });
    const rebound = await upgrade(`${wsBase}${path}`, protocol, { host: evilHost });
    expect(rebound).toMatchObject({ opened: false, status: 403 });
    const opaque = await upgrade(`${wsBase}${path}`, protocol, { origin: 'null' });
    expect(opaque).toMatchObject({ opened: false, status: 403 });
  });

  it('serves loopback names and same-origin pages', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`]) {
      const answer = await rawRequest(server.url, 'GET', '/v1/collections', {
        host,
        origin: `http://${host}`,
      });
      expect(answer.status).toBe(200);
    }
    const socket = await upgrade(`${wsBase}/mcp/ws`, 'mcp', { origin: server.url });
    expect(socket.opened).toBe(true);
    if (socket.opened) socket.socket.close();
  });
});

describe('QUARRY_ALLOWED_HOSTS and QUARRY_ALLOWED_ORIGINS widen the policy; keys do not lift the WebSocket Origin check', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServerWithoutModel(
      testConfig({
        QUARRY_API_KEYS: 'a-reader-key-0123:reader',
        QUARRY_ALLOWED_HOSTS: 'quarry.internal',
        QUARRY_ALLOWED_ORIGINS: 'https://console.example',
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('serves a listed host and origin, and still refuses others', async () => {
    const auth = { authorization: 'Bearer a-reader-key-0123' };
    const listed = await rawRequest(server.url, 'GET', '/v1/collections', {
      ...auth,
      host: `quarry.internal:${server.port}`,
      origin: 'https://console.example',
    });
    expect(listed.status).toBe(200);
    const other = await rawRequest(server.url, 'GET', '/v1/collections', {
      ...auth,
      host: `evil.example:${server.port}`,
    });
    expect(other.status).toBe(403);
  });

  it('refuses a WebSocket from an unlisted Origin even with a valid key', async () => {
    const wsUrl = `${server.url.replace('http', 'ws')}/mcp/ws`;
    const refused = await upgrade(wsUrl, 'mcp', {
      authorization: 'Bearer a-reader-key-0123',
      origin: 'http://evil.example',
    });
    expect(refused).toMatchObject({ opened: false, status: 403 });
    const listed = await upgrade(wsUrl, 'mcp', {
      authorization: 'Bearer a-reader-key-0123',
      origin: 'https://console.example',
    });
    expect(listed.opened).toBe(true);
    if (listed.opened) listed.socket.close();
  });
});

import { INDICES, type IndexNames } from '@quarry/search';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { type RunningServer } from '../apps/server/src/server';
import { startServerWithoutModel } from './support/server';
import { call } from './support/http';
import { dropIndices, eventually, testConfig, uniquePrefix } from './support/test-env';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const JWT_SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const KEYS = 'reader-key-123:reader,writer-key-123:writer,admin-key-123:admin,hr-reader-123:reader:hr';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function jwt(claims: Record<string, unknown>, expiresIn = '5m', audience = 'quarry') {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('https://idp.example')
    .setAudience(audience)
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(JWT_SECRET));
}

describe('keys, roles and JWTs on every edge', () => {
  const prefix = uniquePrefix();
  const env = {
    QUARRY_INDEX_PREFIX: prefix,
    QUARRY_API_KEYS: KEYS,
    QUARRY_JWT_SECRET: JWT_SECRET,
    QUARRY_JWT_ISSUER: 'https://idp.example',
    QUARRY_JWT_AUDIENCE: 'quarry',
    QUARRY_RATE_LIMIT_READ: '0',
  };
  let first: RunningServer;
  let second: RunningServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    first = await startServerWithoutModel(testConfig(env));
    second = await startServerWithoutModel(testConfig(env));
    const seeded = await call(
      first.url,
      'POST',
      '/v1/documents?wait=true',
      [
        { id: 'sec-ops', collection: 'ops', body: 'Rotate the logs when the disk is full.' },
        { id: 'sec-hr', collection: 'hr', body: 'Parental leave lasts sixteen weeks.' },
      ],
      bearer('writer-key-123'),
    );
    expect(seeded.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await first?.close();
    await second?.close();
    await dropIndices(prefix);
  });

  const mcp = async (kind: 'ws' | 'http', key: string) => {
    const client = new Client({ name: 'sec', version: '1' }, { capabilities: {} });
    const transport =
      kind === 'ws'
        ? new WebSocketClientTransport(new URL(`${first.url.replace('http', 'ws')}/mcp/ws?k=1`))
        : new StreamableHTTPClientTransport(new URL(`${first.url}/mcp`), {
            requestInit: { headers: bearer(key) },
          });
    if (kind === 'ws') {
      // The browser WebSocket API cannot set headers; Node clients pass them to the ws constructor.
      const original = (globalThis as unknown as { WebSocket: unknown }).WebSocket;
      (globalThis as { WebSocket: unknown }).WebSocket = class extends WebSocket {
        constructor(url: string, protocols: string[]) {
          super(url, protocols, { headers: bearer(key) });
        }
      };
      try {
        await client.connect(transport);
      } finally {
        (globalThis as { WebSocket: unknown }).WebSocket = original;
      }
    } else {
      await client.connect(transport);
    }
    clients.push(client);
    return client;
  };

  it('refuses requests without credentials on REST, MCP HTTP and MCP WebSocket', async () => {
    expect((await call(first.url, 'POST', '/v1/search', { query: 'disk' })).status).toBe(401);
    expect(
      (await call(first.url, 'POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }))
        .status,
    ).toBe(401);
    const socket = new WebSocket(`${first.url.replace('http', 'ws')}/mcp/ws`, 'mcp');
    const status = await new Promise<number>((resolve) =>
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(401);
    const wrong = await call(first.url, 'POST', '/v1/search', { query: 'disk' }, bearer('not-a-key-000'));
    expect(wrong).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated', message: 'the API key is not valid' } },
    });
  });

  it('lets each role do what it may over REST, and refuses the rest with 403', async () => {
    expect(
      (await call(first.url, 'POST', '/v1/search', { query: 'disk' }, bearer('reader-key-123'))).status,
    ).toBe(200);
    const readerWrite = await call(
      first.url,
      'POST',
      '/v1/documents',
      [{ body: 'x' }],
      bearer('reader-key-123'),
    );
    expect(readerWrite.status).toBe(403);
    expect(readerWrite.body.error.message).toMatch(/index_documents needs the writer role/);
    expect(
      (
        await call(
          first.url,
          'POST',
          '/v1/documents',
          [{ id: 'w1', body: 'by writer' }],
          bearer('writer-key-123'),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await call(
          first.url,
          'POST',
          '/v1/tools',
          { name: 'x_tool', description: 'x' },
          bearer('writer-key-123'),
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await call(
          first.url,
          'POST',
          '/v1/tools',
          { name: 'ops_search', description: 'ops', collection: 'ops' },
          bearer('admin-key-123'),
        )
      ).status,
    ).toBe(201);
  });

  it('keeps a collection-scoped key inside its collections', async () => {
    const result = await call(
      first.url,
      'POST',
      '/v1/search',
      { query: 'disk leave weeks logs', mode: 'lexical' },
      bearer('hr-reader-123'),
    );
    expect(result.body.hits.map((h: { id: string }) => h.id)).toEqual(['sec-hr']);
    expect(
      (await call(first.url, 'GET', '/v1/documents/sec-ops', undefined, bearer('hr-reader-123'))).status,
    ).toBe(404);
  });

  it.each(['ws', 'http'] as const)(
    'hides write tools from a reader over MCP %s and refuses their calls',
    async (kind) => {
      const reader = await mcp(kind, 'reader-key-123');
      const names = (await reader.listTools()).tools.map((t) => t.name);
      expect(names).toContain('search');
      expect(names).not.toContain('index_documents');
      expect(names).not.toContain('delete_document');
      await expect(
        reader.callTool({ name: 'index_documents', arguments: { documents: [{ body: 'x' }] } }),
      ).rejects.toMatchObject({ code: -32003 });
      const writer = await mcp(kind, 'writer-key-123');
      const indexed = await writer.callTool({
        name: 'index_documents',
        arguments: { documents: [{ id: `mcp-${kind}`, body: 'ok' }] },
      });
      expect(indexed.structuredContent).toMatchObject({ indexed: 1 });
    },
  );

  it('accepts valid JWTs and refuses expired ones and wrong audiences', async () => {
    const good = await jwt({ role: 'reader' });
    expect((await call(first.url, 'POST', '/v1/search', { query: 'disk' }, bearer(good))).status).toBe(200);
    expect((await call(first.url, 'POST', '/v1/documents', [{ body: 'x' }], bearer(good))).status).toBe(403);
    const expired = await jwt({ role: 'writer' }, '-1m');
    const refused = await call(first.url, 'POST', '/v1/search', { query: 'disk' }, bearer(expired));
    expect(refused).toMatchObject({ status: 401, body: { error: { message: 'the token has expired' } } });
    const otherAudience = await jwt({ role: 'admin' }, '5m', 'someone-else');
    expect(
      (await call(first.url, 'POST', '/v1/search', { query: 'disk' }, bearer(otherAudience))).status,
    ).toBe(401);
  });

  it('creates keys through the API and refuses a revoked key at once on every instance', async () => {
    const created = await call(
      first.url,
      'POST',
      '/v1/keys',
      { name: 'ci-bot', role: 'writer' },
      bearer('admin-key-123'),
    );
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^qk_/);
    await eventually(
      async () => (await call(second.url, 'POST', '/v1/search', { query: 'disk' }, bearer(key))).status,
      (s) => s === 200,
      5000,
    );
    const listed = await call(first.url, 'GET', '/v1/keys', undefined, bearer('admin-key-123'));
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(
      (await call(first.url, 'DELETE', '/v1/keys/ci-bot', undefined, bearer('admin-key-123'))).status,
    ).toBe(200);
    const onOther = await call(second.url, 'POST', '/v1/search', { query: 'disk' }, bearer(key));
    expect(onOther.status).toBe(401);
    expect((await call(first.url, 'POST', '/v1/search', { query: 'disk' }, bearer(key))).status).toBe(401);
  });

  it('writes an audit trail of writes without secrets', async () => {
    await first.app
      .get(ElasticsearchClient)
      .indices.refresh({ index: first.app.get<IndexNames>(INDICES).audit });
    const audit = await eventually(
      async () => {
        await first.app
          .get(ElasticsearchClient)
          .indices.refresh({ index: first.app.get<IndexNames>(INDICES).audit });
        return (
          await first.app.get(ElasticsearchClient).search({
            index: first.app.get<IndexNames>(INDICES).audit,
            size: 100,
            query: { term: { op: 'create_api_key' } },
          })
        ).hits.hits;
      },
      (hits) => hits.length > 0,
      10_000,
    );
    expect(audit[0]._source).toMatchObject({
      op: 'create_api_key',
      outcome: 'ok',
      ids: ['ci-bot'],
      role: 'admin',
    });
    expect(JSON.stringify(audit)).not.toMatch(/qk_|admin-key-123/);
  });

  it('sends security headers', async () => {
    const response = await fetch(`${first.url}/health`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('rate limits', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServerWithoutModel(
      testConfig({ QUARRY_API_KEYS: 'limited-key-1:reader', QUARRY_RATE_LIMIT_READ: '60' }),
    );
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('answers 429 with Retry-After once the budget is spent, and recovers', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 70 && !limited; i++) {
      const response = await call(server.url, 'GET', '/v1/collections', undefined, bearer('limited-key-1'));
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(55);
    expect(limited?.body.error.code).toBe('rate_limited');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Retry-After is honest: the budget lets a request through again within it.
    const retryAfterMs = 1000 * Number(limited?.headers.get('retry-after'));
    await eventually(
      async () =>
        (await call(server.url, 'GET', '/v1/collections', undefined, bearer('limited-key-1'))).status,
      (status) => status === 200,
      retryAfterMs + 1000,
    );
  });
});

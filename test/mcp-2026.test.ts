import { Client, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import WebSocket from 'ws';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { call } from './support/http';
import { dropIndices, eventually, servicesFromSetup, testConfig } from './support/test-env';

// The SDK's WebSocketClientTransport uses the WHATWG WebSocket global, which Node 20 lacks.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
import { connectModern, exerciseModern, MODERN, SEED } from './support/mcp-2026';

describe('MCP 2026-07-28 on /mcp, with 2025 clients on the same path', () => {
  let server: RunningServer;
  const clients: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    server = await startServer(testConfig());
    await call(server.url, 'POST', '/v1/documents?wait=true', SEED);
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('serves the v2 client pinned to 2026-07-28 without a protocol session', async () => {
    const seen: Response[] = [];
    const client = await connectModern(server.url, 'pin', seen);
    clients.push(client);
    expect(client.getServerVersion()?.name).toBe('quarry');
    await exerciseModern(client);
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.filter((r) => r.headers.has('mcp-session-id'))).toEqual([]);
    // SEP-2164: a missing resource is invalid params naming its URI (2025 clients keep -32004).
    await expect(client.readResource({ uri: 'quarry://documents/nope' })).rejects.toMatchObject({
      code: -32602,
      data: { uri: 'quarry://documents/nope' },
    });
  });

  it('negotiates 2026-07-28 with the v2 client in auto mode', async () => {
    const client = await connectModern(server.url, 'auto');
    clients.push(client);
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
    await exerciseModern(client);
  });

  // What `mcp-inspector --cli <url> --method tools/list --strict` warns about: some clients
  // (and model providers' tool-schema subsets) accept only one `type` per schema.
  it('publishes tool schemas without type arrays', async () => {
    const client = await connectModern(server.url, 'pin');
    clients.push(client);
    const typeArrays: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${path}[${i}]`));
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'type' && Array.isArray(value)) typeArrays.push(path);
        walk(value, `${path}.${key}`);
      }
    };
    for (const tool of (await client.listTools()).tools) {
      walk(tool.inputSchema, `${tool.name}.inputSchema`);
      walk(tool.outputSchema, `${tool.name}.outputSchema`);
    }
    expect(typeArrays).toEqual([]);
  });

  it('answers server/discover and stamps resultType on 2026 results', async () => {
    const envelope = {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const post = (method: string, params: Record<string, unknown> = {}) =>
      fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': MODERN,
          'mcp-method': method,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: envelope } }),
      });
    const discovered = await post('server/discover');
    expect(discovered.status).toBe(200);
    expect(discovered.headers.get('mcp-session-id')).toBeNull();
    const body = (await discovered.json()) as { result: { supportedVersions: string[] } };
    expect(body.result.supportedVersions).toContain(MODERN);
    const listed = (await (await post('tools/list')).json()) as { result: { resultType?: string } };
    expect(listed.result.resultType).toBe('complete');
  });

  it('still serves the v1 (2025-11-25) client with a session', async () => {
    const client = new V1Client({ name: 'quarry-test-v1', version: '1.0.0' }, { capabilities: {} });
    const transport = new V1StreamableHTTPClientTransport(new URL(`${server.url}/mcp`));
    await client.connect(transport);
    clients.push(client);
    expect(transport.sessionId).toBeDefined();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('search');
    const found = await client.callTool({
      name: 'search',
      arguments: { query: 'parental leave', mode: 'lexical' },
    });
    expect((found.structuredContent as { hits: { id: string }[] }).hits.map((h) => h.id)).toContain(
      'm26-leave',
    );
  });

  it('refuses an unauthenticated 2026 request like a 2025 one', async () => {
    const secured = await startServer(testConfig({ QUARRY_API_KEYS: 'k-reader:reader' }));
    try {
      const client = new Client(
        { name: 'anon', version: '1' },
        { versionNegotiation: { mode: { pin: MODERN } } },
      );
      await expect(
        client.connect(new StreamableHTTPClientTransport(new URL(`${secured.url}/mcp`))),
      ).rejects.toBeDefined();
      const keyed = new Client(
        { name: 'keyed', version: '1' },
        { versionNegotiation: { mode: { pin: MODERN } } },
      );
      await keyed.connect(
        new StreamableHTTPClientTransport(new URL(`${secured.url}/mcp`), {
          requestInit: { headers: { authorization: 'Bearer k-reader' } },
        }),
      );
      const { tools } = await keyed.listTools();
      // A reader's list has no write tools: the principal reached the per-request server.
      expect(tools.map((t) => t.name)).not.toContain('index_documents');
      await keyed.close();
    } finally {
      await secured.close();
      await dropIndices(secured.config.indexPrefix);
    }
  });

  // The v2 client has no WebSocket transport: the 2025 SDK's (one JSON-RPC message per frame) carries it.
  it('serves 2026-07-28 requests and a listen stream on one WebSocket, and 2025 sessions too', async () => {
    const socket = new WebSocketClientTransport(new URL(`${server.url.replace('http', 'ws')}/mcp/ws`));
    const client = new Client(
      { name: 'ws-2026', version: '1' },
      { versionNegotiation: { mode: { pin: MODERN } } },
    );
    await client.connect(socket as unknown as Transport);
    clients.push(client);
    await exerciseModern(client);
    const updated: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => {
      updated.push(n.params.uri);
    });
    const listening = await client.listen({ resourceSubscriptions: ['quarry://documents/m26-leave'] });
    await call(server.url, 'POST', '/v1/documents?wait=true', [
      { ...SEED[1], body: `${SEED[1].body} Updated.` },
    ]);
    await eventually(
      async () => updated,
      (uris) => uris.includes('quarry://documents/m26-leave'),
      15_000,
    );
    await listening.close();

    const legacy = new V1Client({ name: 'ws-2025', version: '1' }, { capabilities: {} });
    await legacy.connect(new WebSocketClientTransport(new URL(`${server.url.replace('http', 'ws')}/mcp/ws`)));
    clients.push(legacy);
    expect(legacy.getServerCapabilities()?.logging).toBeDefined();
    expect((await legacy.listTools()).tools.map((t) => t.name)).toContain('search');
  });

  it('serves both eras over stdio (quarry stdio)', async () => {
    const { elasticsearchUrl, redisUrl } = servicesFromSetup();
    const stdio = () =>
      new StdioClientTransport({
        command: process.execPath,
        args: ['dist/apps/cli/src/main.js', 'stdio'],
        env: {
          ...(process.env as Record<string, string>),
          ELASTICSEARCH_URL: elasticsearchUrl,
          REDIS_URL: redisUrl,
          QUARRY_INDEX_PREFIX: server.config.indexPrefix,
          LOG_LEVEL: 'warn',
        },
        stderr: 'pipe',
      });
    const modern = new Client(
      { name: 'stdio-2026', version: '1' },
      { versionNegotiation: { mode: { pin: MODERN } } },
    );
    await modern.connect(stdio());
    try {
      await exerciseModern(modern);
    } finally {
      await modern.close();
    }
    const legacy = new Client({ name: 'stdio-2025', version: '1' });
    await legacy.connect(stdio());
    try {
      expect(legacy.getNegotiatedProtocolVersion()).not.toBe(MODERN);
      expect((await legacy.listTools()).tools.map((t) => t.name)).toContain('search');
    } finally {
      await legacy.close();
    }
  }, 120_000);
});

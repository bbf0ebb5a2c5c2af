import { INDICES, type IndexNames } from '@quarry/search';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import {
  CallToolResultSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { call } from './support/http';
import { dropIndices, eventually, servicesFromSetup, testConfig } from './support/test-env';

// The SDK's WebSocketClientTransport uses the WHATWG WebSocket global, which Node 20 lacks (Node 22 has it).
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const BUILT_INS = [
  'delete_document',
  'get_document',
  'health',
  'index_documents',
  'list_collections',
  'search',
];

describe('MCP over WebSocket, Streamable HTTP and stdio with the SDK client', () => {
  let server: RunningServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startServer(testConfig());
    await call(server.url, 'POST', '/v1/documents?wait=true', [
      {
        id: 'mcp-disk',
        collection: 'runbooks',
        title: 'Disk full',
        body: 'When the disks run full, rotate the logs and prune snapshots.',
        tags: ['ops'],
      },
      {
        id: 'mcp-leave',
        collection: 'hr',
        title: 'Parental leave',
        body: 'Parents may take sixteen weeks of paid leave after a birth or adoption.',
      },
    ]);
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  const connect = async (kind: 'ws' | 'http'): Promise<Client> => {
    const transport: Transport =
      kind === 'ws'
        ? new WebSocketClientTransport(new URL(`${server.url.replace('http', 'ws')}/mcp/ws`))
        : new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`));
    const client = new Client({ name: `quarry-test-${kind}`, version: '1.0.0' }, { capabilities: {} });
    await client.connect(transport);
    clients.push(client);
    return client;
  };

  describe.each(['ws', 'http'] as const)('over %s', (kind) => {
    let client: Client;
    beforeAll(async () => {
      client = await connect(kind);
    });

    it('initializes with tools, resources, prompts, logging and completions', () => {
      expect(client.getServerVersion()?.name).toBe('quarry');
      expect(client.getServerCapabilities()).toMatchObject({
        tools: { listChanged: true },
        resources: { subscribe: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      });
    });

    it('lists the built-in tools with schemas and annotations', async () => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(BUILT_INS));
      const search = tools.find((t) => t.name === 'search')!;
      expect(search.inputSchema).toMatchObject({ type: 'object', required: ['query'] });
      expect(search.outputSchema).toMatchObject({ type: 'object' });
      expect(search.annotations).toMatchObject({ readOnlyHint: true });
      expect(tools.find((t) => t.name === 'delete_document')!.annotations).toMatchObject({
        destructiveHint: true,
      });
    });

    it('calls every built-in tool', async () => {
      const search = await client.callTool({
        name: 'search',
        arguments: { query: 'disks are full', mode: 'lexical' },
      });
      expect((search.structuredContent as { hits: { id: string }[] }).hits[0].id).toBe('mcp-disk');
      expect((search.content as { text: string }[])[0].text).toMatch(/Disk full \[id: mcp-disk/);

      const doc = await client.callTool({ name: 'get_document', arguments: { id: 'mcp-leave' } });
      expect(doc.structuredContent).toMatchObject({ id: 'mcp-leave', collection: 'hr' });

      const collections = await client.callTool({ name: 'list_collections', arguments: {} });
      expect(
        (collections.structuredContent as { collections: { name: string }[] }).collections.map((c) => c.name),
      ).toEqual(expect.arrayContaining(['hr', 'runbooks']));
      const health = await client.callTool({ name: 'health', arguments: {} });
      expect(health.structuredContent).toMatchObject({ status: 'ready' });

      const id = `mcp-temp-${kind}`;
      const indexed = await client.callTool({
        name: 'index_documents',
        arguments: { documents: [{ id, body: 'temporary' }], wait: true },
      });
      expect(indexed.structuredContent).toMatchObject({ indexed: 1, failed: 0 });
      const deleted = await client.callTool({ name: 'delete_document', arguments: { id, wait: true } });
      expect(deleted.structuredContent).toEqual({ id, deleted: true });
      const missing = await client.callTool({ name: 'get_document', arguments: { id } });
      expect(missing.isError).toBe(true);
      expect((missing.content as { text: string }[])[0].text).toMatch(/not found/);
    });

    it('answers invalid tool arguments and unknown tools with JSON-RPC errors', async () => {
      await expect(
        client.callTool({ name: 'search', arguments: { query: 'x', size: 1000 } }),
      ).rejects.toMatchObject({
        code: -32602,
        message: expect.stringContaining('size must not be greater than 100'),
      });
      await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toMatchObject({
        code: -32602,
      });
    });

    it('reads resources and lists them with templates', async () => {
      const read = await client.readResource({ uri: 'quarry://documents/mcp-disk' });
      expect(read.contents[0]).toMatchObject({
        uri: 'quarry://documents/mcp-disk',
        mimeType: 'text/markdown',
      });
      expect((read.contents[0] as { text: string }).text).toContain('rotate the logs');
      // Page through the whole listing with the cursor.
      const uris: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await client.listResources(cursor ? { cursor } : {});
        uris.push(...page.resources.map((r) => r.uri));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      expect(uris).toEqual(
        expect.arrayContaining(['quarry://collections/hr', 'quarry://documents/mcp-disk']),
      );
      expect(new Set(uris).size).toBe(uris.length);
      const templates = await client.listResourceTemplates();
      expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual([
        'quarry://documents/{id}',
        'quarry://collections/{name}',
      ]);
      await expect(client.readResource({ uri: 'quarry://documents/nope' })).rejects.toMatchObject({
        code: -32004,
      });
    });

    it('renders prompts, the citation prompt with embedded resources', async () => {
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name)).toEqual(
        expect.arrayContaining(['answer_with_citations', 'summarize_document', 'find_related']),
      );
      const rendered = await client.getPrompt({
        name: 'answer_with_citations',
        arguments: { question: 'how long is parental leave?' },
      });
      const resources = rendered.messages.filter((m) => m.content.type === 'resource');
      expect(resources.length).toBeGreaterThan(0);
      expect(resources.map((m) => (m.content as { resource: { uri: string } }).resource.uri)).toContain(
        'quarry://documents/mcp-leave',
      );
      const summary = await client.getPrompt({ name: 'summarize_document', arguments: { id: 'mcp-disk' } });
      expect((summary.messages[0].content as { text: string }).text).toContain('quarry://documents/mcp-disk');
      await expect(client.getPrompt({ name: 'summarize_document', arguments: {} })).rejects.toMatchObject({
        code: -32602,
      });
    });

    it('completes collection names and document ids', async () => {
      const collections = await client.complete({
        ref: { type: 'ref/prompt', name: 'answer_with_citations' },
        argument: { name: 'collection', value: 'ru' },
      });
      expect(collections.completion.values).toEqual(['runbooks']);
      const ids = await client.complete({
        ref: { type: 'ref/resource', uri: 'quarry://documents/{id}' },
        argument: { name: 'id', value: 'mcp-d' },
      });
      expect(ids.completion.values).toEqual(['mcp-disk']);
    });

    it('accepts logging/setLevel and ping', async () => {
      await expect(client.setLoggingLevel('debug')).resolves.toBeDefined();
      await expect(client.ping()).resolves.toBeDefined();
    });

    it('notifies a resource subscriber when the document is re-ingested', async () => {
      const updates: string[] = [];
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
        updates.push(n.params.uri);
      });
      await client.subscribeResource({ uri: 'quarry://documents/mcp-disk' });
      await call(server.url, 'POST', '/v1/documents', [
        {
          id: 'mcp-disk',
          collection: 'runbooks',
          title: 'Disk full',
          body: `When the disks run full, rotate the logs (${kind} ${Date.now()}).`,
          tags: ['ops'],
        },
      ]);
      await eventually(
        async () => updates,
        (u) => u.includes('quarry://documents/mcp-disk'),
        10_000,
      );
      await client.unsubscribeResource({ uri: 'quarry://documents/mcp-disk' });
    });

    it('reports progress for a large index_documents and stops when cancelled', async () => {
      const documents = Array.from({ length: 250 }, (_, i) => ({
        id: `bulk-${kind}-${i}`,
        collection: `bulk-${kind}`,
        body: `Note ${i} about topic ${i % 7}.`,
      }));
      const progress: number[] = [];
      const result = await client.callTool(
        { name: 'index_documents', arguments: { documents } },
        CallToolResultSchema,
        {
          onprogress: (p) => progress.push(p.progress),
          timeout: 60_000,
        },
      );
      expect(result.structuredContent).toMatchObject({ indexed: 250 });
      // The server sends 100, 200, 250 before the result. The SDK client handles notifications a
      // microtask later than responses, so when the last notification and the result arrive in
      // one read it drops the last one; the earlier ones always arrive.
      expect(progress.slice(0, 2)).toEqual([100, 200]);
      expect(progress.every((p, i) => i === 0 || p > progress[i - 1])).toBe(true);

      /** Ingests that ended in an error: a cancelled one is counted once the server has given it up. */
      const failedIngests = async () =>
        (await (await fetch(`${server.url}/metrics`)).text())
          .split('\n')
          .filter(
            (l) =>
              l.startsWith('quarry_requests_total{') &&
              l.includes('op="index_documents"') &&
              !l.includes('outcome="ok"'),
          )
          .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
      const failedBefore = await failedIngests();
      const controller = new AbortController();
      const many = Array.from({ length: 1000 }, (_, i) => ({
        id: `cancel-${kind}-${i}`,
        collection: `cancel-${kind}`,
        body: `Cancelled note ${i}.`,
      }));
      const pending = client.callTool(
        { name: 'index_documents', arguments: { documents: many } },
        CallToolResultSchema,
        {
          signal: controller.signal,
          onprogress: () => controller.abort(),
          timeout: 60_000,
        },
      );
      await expect(pending).rejects.toThrow();
      await eventually(failedIngests, (n) => n > failedBefore, 30_000);
      await server.app
        .get(ElasticsearchClient)
        .indices.refresh({ index: server.app.get<IndexNames>(INDICES).docs });
      const { count } = await server.app.get(ElasticsearchClient).count({
        index: server.app.get<IndexNames>(INDICES).docs,
        query: { term: { collection: `cancel-${kind}` } },
      });
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThan(1000);
    }, 120_000);
  });

  it('shows a saved-search tool registered through REST to a connected client, with scoped results', async () => {
    const client = await connect('ws');
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    const registered = await call(server.url, 'POST', '/v1/tools', {
      name: 'search_runbooks',
      description: 'Search the operations runbooks',
      collection: 'runbooks',
      mode: 'lexical',
      parameters: [
        { name: 'tag', type: 'string', target: 'tags', description: 'only runbooks with this tag' },
      ],
    });
    expect(registered.status).toBe(201);
    await eventually(
      async () => changed,
      (n) => n > 0,
      10_000,
    );
    const { tools } = await client.listTools();
    const saved = tools.find((t) => t.name === 'search_runbooks');
    expect(saved?.inputSchema).toMatchObject({
      required: ['query'],
      properties: { tag: { type: 'string' } },
    });
    const result = await client.callTool({
      name: 'search_runbooks',
      arguments: { query: 'logs leave', tag: 'ops' },
    });
    const hits = (result.structuredContent as { hits: { id: string; collection: string }[] }).hits;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.collection === 'runbooks')).toBe(true);

    const invalid = await call(server.url, 'POST', '/v1/tools', { name: 'search', description: 'clash' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.problems).toEqual([{ field: 'name', reason: '"search" is a built-in tool' }]);
  });

  it('keeps a WebSocket session alive after malformed, oversized and unknown messages', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/mcp/ws`, 'mcp');
    const replies: { id?: unknown; error?: { code: number; message: string }; result?: unknown }[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const send = (message: string) => socket.send(message);
    send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    );
    await eventually(
      async () => replies.length,
      (n) => n >= 1,
    );
    send('{ this is not json');
    send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'no/such/method' }));
    send(
      JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping', params: { pad: 'x'.repeat(9 * 1024 * 1024) } }),
    );
    send(JSON.stringify({ hello: 'world', id: 4 }));
    send(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'ping' }));
    await eventually(
      async () => replies.length,
      (n) => n >= 6,
      10_000,
    );
    expect(replies.find((r) => r.error?.code === -32700)?.error?.message).toMatch(/^Parse error/);
    expect(replies.find((r) => r.id === 2)?.error?.code).toBe(-32601);
    expect(replies.find((r) => r.error?.message.includes('exceeds the limit'))?.error?.code).toBe(-32600);
    expect(replies.find((r) => r.id === 4)?.error?.code).toBe(-32600);
    expect(replies.find((r) => r.id === 5)?.result).toEqual({});
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  it('serves MCP over stdio (quarry stdio) with logs kept off stdout', async () => {
    const { elasticsearchUrl, redisUrl } = servicesFromSetup();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['dist/apps/cli/src/main.js', 'stdio'],
      env: {
        ...(process.env as Record<string, string>),
        ELASTICSEARCH_URL: elasticsearchUrl,
        REDIS_URL: redisUrl,
        QUARRY_INDEX_PREFIX: server.config.indexPrefix,
        LOG_LEVEL: 'info',
      },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'stdio-test', version: '1.0.0' }, { capabilities: {} });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(BUILT_INS));
      const result = await client.callTool({
        name: 'search',
        arguments: { query: 'parental leave', mode: 'lexical' },
      });
      expect((result.structuredContent as { hits: { id: string }[] }).hits[0].id).toBe('mcp-leave');
    } finally {
      await client.close();
    }
  }, 120_000);
});

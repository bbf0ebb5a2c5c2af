import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import WebSocket from 'ws';
import { call } from './support/http';
import { startServerProcess, type ServerProcess } from './support/process-server';
import { dropIndices, uniquePrefix } from './support/test-env';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const SESSIONS = 1000;

/**
 * 1,000 concurrent MCP WebSocket sessions, each calling `search`, against one Quarry process on
 * loopback. Bounded in count and time. No call may fail; the server's memory is recorded.
 */
describe(`load: ${SESSIONS} concurrent MCP WebSocket sessions`, () => {
  const prefix = uniquePrefix();
  let server: ServerProcess;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startServerProcess({
      QUARRY_INDEX_PREFIX: prefix,
      QUARRY_MAX_SESSIONS_PER_PRINCIPAL: String(SESSIONS + 10),
    });
    await call(server.url, 'POST', '/v1/documents?wait=true', [
      { id: 'load-1', body: 'The load balancer spreads requests over the pool.' },
      { id: 'load-2', body: 'Connection pools keep sockets open between requests.' },
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await server?.stop();
    await dropIndices(prefix);
  }, 60_000);

  it('serves every session without an error', async () => {
    const rssBefore = server.rssBytes();
    const connectErrors: string[] = [];
    for (let i = 0; i < SESSIONS; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, SESSIONS - i) }, async () => {
          const client = new Client({ name: 'load', version: '1' }, { capabilities: {} });
          try {
            await client.connect(
              new WebSocketClientTransport(new URL(`${server.url.replace('http', 'ws')}/mcp/ws`)),
            );
            clients.push(client);
          } catch (error) {
            connectErrors.push((error as Error).message);
          }
        }),
      );
    }
    expect(connectErrors).toEqual([]);
    const rssIdle = server.rssBytes();

    const started = Date.now();
    const results = await Promise.allSettled(
      clients.map((client, i) =>
        client.callTool({
          name: 'search',
          arguments: { query: i % 2 ? 'load balancer' : 'connection pool', mode: 'lexical' },
        }),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    const failures = results.filter(
      (r) => r.status === 'rejected' || (r.value as { isError?: boolean }).isError,
    );
    const rssPeak = server.rssBytes();
    process.stdout.write(
      `\n[load] ${SESSIONS} MCP WebSocket sessions: ${results.length - failures.length} searches ok, ${failures.length} failed in ${seconds.toFixed(1)} s; ` +
        `server RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, ${(rssIdle / 2 ** 20).toFixed(0)} MiB with ${SESSIONS} idle sessions, ${(rssPeak / 2 ** 20).toFixed(0)} MiB after the burst\n`,
    );
    expect(failures).toEqual([]);
    expect(results).toHaveLength(SESSIONS);
  }, 240_000);
});

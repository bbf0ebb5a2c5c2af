import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { dropIndices, testConfig } from './support/test-env';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

/**
 * MCP log messages (2025 sessions) follow the level the client sets: a debug line for every tool
 * call was an extra frame per call (and a third of the MCP edge's CPU per search) that no client
 * had asked for.
 */
describe('MCP logging follows logging/setLevel', () => {
  let server: RunningServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startServer(testConfig());
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  async function connect(): Promise<{ client: Client; messages: { level: string; data: unknown }[] }> {
    const client = new Client({ name: 'logging-test', version: '1' }, { capabilities: {} });
    const messages: { level: string; data: unknown }[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      messages.push({ level: n.params.level, data: n.params.data });
    });
    await client.connect(new WebSocketClientTransport(new URL(`${server.url.replace('http', 'ws')}/mcp/ws`)));
    clients.push(client);
    return { client, messages };
  }

  // A failed call's warning comes after any debug line of the same call, so once it has arrived
  // every earlier message has too: the test waits for an event, not for time.
  async function callThenFail(client: Client, messages: { level: string }[]): Promise<void> {
    await client.callTool({ name: 'list_collections', arguments: {} });
    const before = messages.length;
    await client.callTool({ name: 'get_document', arguments: { id: 'no-such-document-logging' } });
    for (let i = 0; i < 200 && !messages.slice(before).some((m) => m.level === 'warning'); i++)
      await new Promise((resolve) => setImmediate(resolve));
  }

  it('sends no debug line per call unless the client asked for debug', async () => {
    const { client, messages } = await connect();
    await callThenFail(client, messages);
    expect(messages.map((m) => m.level)).toEqual(['warning']);
  });

  it('sends the debug lines once the client sets the level to debug', async () => {
    const { client, messages } = await connect();
    await client.setLoggingLevel('debug');
    await callThenFail(client, messages);
    expect(messages.map((m) => m.level)).toEqual(['debug', 'warning']);
  });

  it('drops warnings below the level the client set', async () => {
    const { client, messages } = await connect();
    await client.setLoggingLevel('error');
    await client.callTool({ name: 'get_document', arguments: { id: 'no-such-document-logging' } });
    await client.ping();
    expect(messages).toEqual([]);
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- tests assert on response bodies of many shapes */
import { SessionHub } from '@quarry/mcp';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { dropIndices, eventually, testConfig } from '../support/test-env';
import { rawRequest, upgrade } from './raw-http';

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = (id = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'abandoner', version: '1' },
  },
});

async function post(server: RunningServer, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, sessionId: response.headers.get('mcp-session-id'), text };
}

// Clients that never say goodbye (crashed agents, scripts without DELETE) must not lock others out.
describe('abandoned MCP sessions and protocol errors', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServerWithoutModel(
      testConfig({ QUARRY_MAX_SESSIONS_PER_PRINCIPAL: '3', QUARRY_MCP_SESSION_IDLE_SECONDS: '2' }),
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('never refuses a new client because abandoned sessions piled up', async () => {
    const sessions: string[] = [];
    for (let i = 0; i < 8; i++) {
      const answer = await post(server, initialize());
      expect(answer.status).toBe(200);
      sessions.push(answer.sessionId!);
    }
    // Refused initializes hold no slot either.
    for (let i = 0; i < 4; i++)
      expect((await post(server, initialize(), { accept: 'text/plain' })).status).toBe(406);
    const socket = await upgrade(`${server.url.replace('http', 'ws')}/mcp/ws`, 'mcp', {});
    expect(socket.opened).toBe(true);
    if (socket.opened) socket.socket.close();
    // The oldest abandoned session made room, and says so to a client that comes back.
    const stale = await post(
      server,
      { jsonrpc: '2.0', id: 2, method: 'ping' },
      { 'mcp-session-id': sessions[0] },
    );
    expect(stale.status).toBe(404);
  });

  it('expires idle sessions', async () => {
    const { sessionId } = await post(server, initialize());
    const ping = () =>
      post(server, { jsonrpc: '2.0', id: 3, method: 'ping' }, { 'mcp-session-id': sessionId! });
    await eventually(
      async () => server.app.get(SessionHub).countFor('local'),
      (open) => open === 0,
      10_000,
    );
    expect((await ping()).status).toBe(404);
  });

  it('answers malformed JSON with -32700 and refuses batches', async () => {
    const malformed = await rawRequest(server.url, 'POST', '/mcp', MCP_HEADERS, undefined);
    expect(malformed.status).toBe(400);
    const broken = await post(server, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.text).error.code).toBe(-32700);
    const batch = await post(server, [initialize(1), initialize(2)]);
    expect(batch.status).toBe(400);
    expect(JSON.parse(batch.text).error).toMatchObject({ code: -32600 });
  });

  it('names the fields of params the protocol schema refuses, as invalid params', async () => {
    const { sessionId } = await post(server, initialize());
    const session = { 'mcp-session-id': sessionId!, 'mcp-protocol-version': '2025-06-18' };
    await post(server, { jsonrpc: '2.0', method: 'notifications/initialized' }, session);
    const answer = await post(
      server,
      { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 5, arguments: 'x' } },
      session,
    );
    const line = answer.text.split('\n').find((l) => l.startsWith('data: ')) ?? `data: ${answer.text}`;
    const { error } = JSON.parse(line.slice('data: '.length));
    expect(error.code).toBe(-32602);
    expect(error.message).toMatch(/params\.name: expected string/);
    expect(error.data.problems.map((p: { field: string }) => p.field)).toEqual([
      'params.name',
      'params.arguments',
    ]);
  });

  it('answers nothing but initialize before initialize over WebSocket', async () => {
    const socket = await upgrade(`${server.url.replace('http', 'ws')}/mcp/ws`, 'mcp', {});
    if (!socket.opened) throw new Error('upgrade refused');
    const reply = new Promise<any>((resolve) =>
      socket.socket.once('message', (data) => resolve(JSON.parse(data.toString()))),
    );
    socket.socket.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }));
    expect(await reply).toMatchObject({ id: 7, error: { code: -32000 } });
    socket.socket.close();
  });
});

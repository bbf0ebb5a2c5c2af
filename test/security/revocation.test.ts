/* eslint-disable @typescript-eslint/no-explicit-any -- tests assert on response bodies of many shapes */
import { SignJWT } from 'jose';
import type WebSocket from 'ws';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { call } from '../support/http';
import { dropIndices, testConfig, uniquePrefix } from '../support/test-env';
import { upgrade } from './raw-http';

const JWT_SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** An open socket, and how it closed once it does. */
async function open(url: string, protocol: string, token: string) {
  const result = await upgrade(url, protocol, bearer(token));
  if (!result.opened) throw new Error(`upgrade refused: ${result.status} ${result.body}`);
  const socket: WebSocket = result.socket;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  return { socket, closed, messages };
}

async function graphqlSocket(server: RunningServer, token: string) {
  const connection = await open(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', token);
  const acked = new Promise<void>((resolve) =>
    connection.socket.on('message', (data) => {
      if (JSON.parse(data.toString()).type === 'connection_ack') resolve();
    }),
  );
  connection.socket.send(
    JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
  );
  await acked;
  return connection;
}

async function mcpSocket(server: RunningServer, token: string) {
  const connection = await open(`${server.url.replace('http', 'ws')}/mcp/ws`, 'mcp', token);
  const initialized = new Promise<void>((resolve) => connection.socket.once('message', () => resolve()));
  connection.socket.send(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  );
  await initialized;
  return connection;
}

// A key is stolen, then revoked: its holder must lose the sockets it already opened, on every instance.
describe('revocation and token expiry close open connections', () => {
  const env = {
    QUARRY_INDEX_PREFIX: uniquePrefix(),
    QUARRY_API_KEYS: 'admin-key-0123:admin',
    QUARRY_JWT_SECRET: JWT_SECRET,
  };
  let first: RunningServer;
  let second: RunningServer;

  beforeAll(async () => {
    first = await startServerWithoutModel(testConfig(env));
    second = await startServerWithoutModel(testConfig(env));
  }, 120_000);

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await dropIndices(env.QUARRY_INDEX_PREFIX);
  });

  it('revoking a key on one instance closes its MCP and GraphQL sockets on every instance', async () => {
    const created = await call(
      first.url,
      'POST',
      '/v1/keys',
      { name: 'leaked', role: 'writer' },
      bearer('admin-key-0123'),
    );
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    const sockets = [
      await mcpSocket(first, key),
      await mcpSocket(second, key),
      await graphqlSocket(first, key),
      await graphqlSocket(second, key),
    ];
    const revoked = await call(second.url, 'DELETE', '/v1/keys/leaked', undefined, bearer('admin-key-0123'));
    expect(revoked.status).toBe(200);
    for (const { closed } of sockets)
      await expect(closed).resolves.toEqual({ code: 4401, reason: 'the API key has been revoked' });
  });

  it("closes a JWT's sockets when the token expires", async () => {
    const token = await new SignJWT({ role: 'reader' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('short-lived')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 3)
      .sign(new TextEncoder().encode(JWT_SECRET));
    const sockets = [await mcpSocket(first, token), await graphqlSocket(first, token)];
    for (const { closed } of sockets)
      await expect(closed).resolves.toEqual({ code: 4401, reason: 'the token has expired' });
  });
});

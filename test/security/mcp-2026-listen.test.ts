import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import WebSocket from 'ws';
import type { RunningServer } from '../../apps/server/src/server';
import { call } from '../support/http';
import { MODERN } from '../support/mcp-2026';
import { startServerWithoutModel } from '../support/server';
import { dropIndices, eventually, testConfig } from '../support/test-env';

const KEYS = 'admin-key-0123:admin,ops-reader-0123:reader:ops';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function pinnedClient(url: string, key: string): Promise<Client> {
  const client = new Client(
    { name: 'listener', version: '1' },
    { versionNegotiation: { mode: { pin: MODERN } } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: bearer(key) } }),
  );
  return client;
}

// subscriptions/listen is the 2026 stream that outlives a request: it must not become a way
// around document scopes, session limits or revocation.
describe('MCP 2026 subscriptions/listen as an attack surface', () => {
  let server: RunningServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startServerWithoutModel(
      testConfig({
        QUARRY_API_KEYS: KEYS,
        QUARRY_MAX_SESSIONS_PER_PRINCIPAL: '2',
        QUARRY_RATE_LIMIT_READ: '0',
      }),
    );
    const seeded = await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      [
        { id: 'hr-salaries', collection: 'hr', title: 'Salaries', body: 'Everyone earns the same.' },
        { id: 'ops-disk', collection: 'ops', title: 'Disk', body: 'Rotate the logs.' },
      ],
      bearer('admin-key-0123'),
    );
    expect(seeded.status).toBeLessThan(300);
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it('refuses to follow a document outside the listener’s collections, naming the field', async () => {
    const client = await pinnedClient(server.url, 'ops-reader-0123');
    clients.push(client);
    await expect(
      client.listen({ resourceSubscriptions: ['quarry://documents/hr-salaries'] }),
    ).rejects.toThrow(/resourceSubscriptions: quarry:\/\/documents\/hr-salaries/);
    const allowed = await client.listen({ resourceSubscriptions: ['quarry://documents/ops-disk'] });
    expect(allowed.honoredFilter.resourceSubscriptions).toEqual(['quarry://documents/ops-disk']);
    await allowed.close();
  });

  it('holds a principal to its session limit in open listen streams', async () => {
    const client = await pinnedClient(server.url, 'ops-reader-0123');
    clients.push(client);
    const open = [
      await client.listen({ toolsListChanged: true }),
      await client.listen({ toolsListChanged: true }),
    ];
    await expect(client.listen({ toolsListChanged: true })).rejects.toThrow(/at most 2/);
    // Another principal is not affected by this one's streams.
    const admin = await pinnedClient(server.url, 'admin-key-0123');
    clients.push(admin);
    const adminStream = await admin.listen({ toolsListChanged: true });
    await adminStream.close();
    await open[0].close();
    await expect(open[0].closed).resolves.toBe('local');
    const again = await client.listen({ toolsListChanged: true });
    await again.close();
    await open[1].close();
  });

  it('ends the listen streams of a revoked key', async () => {
    const created = await call(
      server.url,
      'POST',
      '/v1/keys',
      { name: 'leaked-2026', role: 'reader' },
      bearer('admin-key-0123'),
    );
    expect(created.status).toBe(201);
    const client = await pinnedClient(server.url, created.body.key as string);
    clients.push(client);
    const stream = await client.listen({ toolsListChanged: true });
    const revoked = await call(
      server.url,
      'DELETE',
      '/v1/keys/leaked-2026',
      undefined,
      bearer('admin-key-0123'),
    );
    expect(revoked.status).toBe(200);
    await expect(stream.closed).resolves.toBe('remote');
  });

  it('applies the same checks to listen streams on a WebSocket', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/mcp/ws`, 'mcp', {
      headers: bearer('ops-reader-0123'),
    });
    const replies: { id?: number; method?: string; error?: { code: number; message: string } }[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const meta = {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: 'raw-ws', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const listen = (id: number, uris: string[]) =>
      socket.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'subscriptions/listen',
          params: { notifications: { resourceSubscriptions: uris }, _meta: meta },
        }),
      );
    listen(1, ['quarry://documents/hr-salaries']);
    listen(2, ['quarry://documents/ops-disk']);
    listen(3, ['quarry://documents/ops-disk']);
    listen(4, ['quarry://documents/ops-disk']);
    await eventually(
      async () => replies.length,
      (n) => n >= 4,
      10_000,
    );
    expect(replies.find((r) => r.id === 1)?.error?.message).toMatch(
      /resourceSubscriptions: quarry:\/\/documents\/hr-salaries/,
    );
    const acks = replies.filter((r) => r.method === 'notifications/subscriptions/acknowledged');
    expect(acks).toHaveLength(2);
    // The third stream on the socket is over the principal's limit of 2.
    expect(replies.find((r) => r.id === 4)?.error?.message).toMatch(/limit/i);
    socket.close();
  });
});

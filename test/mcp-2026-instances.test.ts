import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/client';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { call } from './support/http';
import { dropIndices, eventually, testConfig } from './support/test-env';
import { connectModern, exerciseModern, SEED } from './support/mcp-2026';

/**
 * A round-robin proxy without affinity: each request goes to the next upstream, whatever came
 * before; responses (SSE streams included) are piped back as they arrive.
 */
async function roundRobinProxy(
  upstreams: string[],
): Promise<{ url: string; served: number[]; close(): Promise<void> }> {
  const served = upstreams.map(() => 0);
  let next = 0;
  const proxy = http.createServer((req, res) => {
    const index = next++ % upstreams.length;
    served[index]++;
    const target = new URL(req.url ?? '/', upstreams[index]);
    const forwarded = http.request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}

describe('MCP 2026-07-28: any request, any instance', () => {
  let a: RunningServer;
  let b: RunningServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    a = await startServer(testConfig());
    // The second instance shares the first one's indices and Redis, as `npm start` twice would.
    b = await startServer(testConfig({ QUARRY_INDEX_PREFIX: a.config.indexPrefix }));
    await call(a.url, 'POST', '/v1/documents?wait=true', SEED);
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await a?.close();
    await b?.close();
    await dropIndices(a.config.indexPrefix);
  });

  it('serves the pinned v2 client through a round-robin proxy over two instances', async () => {
    const proxy = await roundRobinProxy([a.url, b.url]);
    try {
      const seen: Response[] = [];
      const client = await connectModern(proxy.url, 'pin', seen);
      clients.push(client);
      await exerciseModern(client);
      // Every call alternated: both instances answered a share of them, and none set up a session.
      expect(Math.min(...proxy.served)).toBeGreaterThanOrEqual(3);
      expect(seen.filter((r) => r.headers.has('mcp-session-id'))).toEqual([]);
      // A listen stream through the proxy lands on either instance and hears writes on both.
      const updated: string[] = [];
      client.setNotificationHandler('notifications/resources/updated', (n) => {
        updated.push(n.params.uri);
      });
      const listening = await client.listen({
        resourceSubscriptions: ['quarry://documents/m26-disk', 'quarry://documents/m26-leave'],
      });
      await call(a.url, 'POST', '/v1/documents?wait=true', [{ ...SEED[0], body: `${SEED[0].body} (A)` }]);
      await call(b.url, 'POST', '/v1/documents?wait=true', [{ ...SEED[1], body: `${SEED[1].body} (B)` }]);
      await eventually(
        async () => updated,
        (uris) =>
          uris.includes('quarry://documents/m26-disk') && uris.includes('quarry://documents/m26-leave'),
        15_000,
      );
      await listening.close();
    } finally {
      await proxy.close();
    }
  });

  it('delivers a document ingested on B to a subscriptions/listen stream on A', async () => {
    const client = await connectModern(a.url, 'pin');
    clients.push(client);
    const updated: string[] = [];
    const listChanges: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => {
      updated.push(n.params.uri);
    });
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      listChanges.push('tools');
    });
    client.setNotificationHandler('notifications/resources/list_changed', () => {
      listChanges.push('resources');
    });
    const subscription = await client.listen({
      toolsListChanged: true,
      resourcesListChanged: true,
      resourceSubscriptions: ['quarry://documents/m26-disk'],
    });
    expect(subscription.honoredFilter.resourceSubscriptions).toEqual(['quarry://documents/m26-disk']);

    const reingested = await call(b.url, 'POST', '/v1/documents?wait=true', [
      { ...SEED[0], body: 'When the disks run full, rotate the logs, prune snapshots and page on-call.' },
      { id: 'm26-new', collection: 'runbooks', title: 'New', body: 'A new runbook about certificates.' },
    ]);
    expect(reingested.status).toBeLessThan(300);
    const registered = await call(b.url, 'POST', '/v1/tools', {
      name: 'search_runbooks_2026',
      description: 'Search the operations runbooks',
      collection: 'runbooks',
      mode: 'lexical',
    });
    expect(registered.status).toBe(201);
    await eventually(
      async () => ({ updated, listChanges }),
      (seen) =>
        seen.updated.includes('quarry://documents/m26-disk') &&
        seen.listChanges.includes('tools') &&
        seen.listChanges.includes('resources'),
      15_000,
    );
    // Only what the filter asked for: no other document's updates.
    expect(updated.every((uri) => uri === 'quarry://documents/m26-disk')).toBe(true);
    await subscription.close();
    expect(await subscription.closed).toBe('local');
  });
});

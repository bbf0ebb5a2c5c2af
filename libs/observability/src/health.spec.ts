import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@elastic/elasticsearch';
import type Redis from 'ioredis';
import { elasticsearchClientOptions } from '@quarry/search';
import { HealthChecker } from './health';

const redisUp = { status: 'ready', ping: () => Promise.resolve('PONG') } as unknown as Redis;
const redisDown = {
  status: 'reconnecting',
  ping: () => Promise.reject(new Error('closed')),
} as unknown as Redis;

function fakeCluster(status: string) {
  return {
    cluster: { health: () => Promise.resolve({ status, cluster_name: 'c', number_of_nodes: 3 }) },
  } as unknown as Client;
}
const unreachable = {
  cluster: { health: () => Promise.reject(new Error('connect ECONNREFUSED')) },
} as unknown as Client;

describe('HealthChecker.readiness', () => {
  it('is ready while the cluster is green or yellow and Redis answers', async () => {
    expect((await new HealthChecker(fakeCluster('green'), redisUp).readiness()).status).toBe('ready');
    const yellow = await new HealthChecker(fakeCluster('yellow'), redisUp).readiness();
    expect(yellow.status).toBe('ready');
    expect(yellow.elasticsearch.details).toMatchObject({ clusterStatus: 'yellow', nodes: 3 });
  });

  it('is degraded, not unready, while Redis is down, and says what still works', async () => {
    const readiness = await new HealthChecker(fakeCluster('green'), redisDown).readiness();
    expect(readiness.status).toBe('degraded');
    expect(readiness.reasons?.join()).toMatch(
      /^redis: not connected .*searches and reads are served, writes are refused/,
    );
  });

  it('is not ready when no node serves or the cluster is red', async () => {
    const down = await new HealthChecker(unreachable, redisUp).readiness();
    expect(down.status).toBe('not_ready');
    expect(down.reasons?.join()).toMatch(/^elasticsearch: no listed node serves/);
    expect((await new HealthChecker(fakeCluster('red'), redisUp).readiness()).status).toBe('not_ready');
  });

  it('stays ready when the first listed node is gone and another answers', async () => {
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      response.end(JSON.stringify({ status: 'green', cluster_name: 'c', number_of_nodes: 2 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const gone = http.createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const gonePort = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    const client = new Client(
      elasticsearchClientOptions(
        [`http://127.0.0.1:${gonePort}`, `http://127.0.0.1:${(server.address() as AddressInfo).port}`],
        2000,
        { sniff: false },
      ),
    );
    try {
      const checker = new HealthChecker(client, redisUp);
      for (let i = 0; i < 4; i++) expect((await checker.readiness()).status).toBe('ready');
    } finally {
      await client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

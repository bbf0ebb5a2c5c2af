import * as http from 'node:http';
import { Client, ClusterConnectionPool, errors } from '@elastic/elasticsearch';
import {
  elasticsearchClientOptions,
  FailoverTransport,
  mapElasticsearchError,
  SNIFF_INTERVAL_MS,
} from './elasticsearch.client';

function refusal(status: number, body: unknown) {
  return new errors.ResponseError({
    body,
    statusCode: status,
    headers: {},
    warnings: null,
    meta: {} as never,
  });
}

describe('mapElasticsearchError', () => {
  const tooDeep = refusal(400, {
    error: {
      type: 'search_phase_execution_exception',
      reason: 'all shards failed',
      root_cause: [
        {
          type: 'illegal_argument_exception',
          reason: 'Result window is too large, from + size must be less than or equal to: [10000]',
        },
      ],
    },
    status: 400,
  });

  it("keeps Elasticsearch's reasons, root causes included, for the log, not for the client", () => {
    const error = mapElasticsearchError(tooDeep);
    expect(error.kind).toBe('internal');
    expect(error.message).toBe('elasticsearch rejected the request');
    const cause = (error as { cause?: Error }).cause;
    expect(cause?.message).toContain('all shards failed');
    expect(cause?.message).toContain('illegal_argument_exception: Result window is too large');
    // The cause is not serialised into what a client receives.
    expect(JSON.stringify(error.toJSON())).not.toContain('Result window');
  });

  it('reports an overloaded or failing node as unavailable', () => {
    expect(mapElasticsearchError(refusal(429, { error: { reason: 'rejected execution' } })).kind).toBe(
      'unavailable',
    );
    expect(mapElasticsearchError(refusal(503, { error: { reason: 'no master' } })).kind).toBe('unavailable');
  });
});

describe('elasticsearchClientOptions', () => {
  it('spreads over every listed node, sniffs, retries on each other node and resurrects by ping', () => {
    const options = elasticsearchClientOptions(
      'http://127.0.0.1:19201,http://127.0.0.1:19202,http://127.0.0.1:19203',
      5000,
    );
    expect(options.nodes).toEqual([
      'http://127.0.0.1:19201',
      'http://127.0.0.1:19202',
      'http://127.0.0.1:19203',
    ]);
    expect(options).toMatchObject({
      sniffOnStart: true,
      sniffInterval: SNIFF_INTERVAL_MS,
      sniffOnConnectionFault: true,
      maxRetries: 2,
      resurrectStrategy: 'ping',
      ConnectionPool: ClusterConnectionPool,
      Transport: FailoverTransport,
    });
  });

  it('keeps one quick retry and no sniffing for a single URL', () => {
    const options = elasticsearchClientOptions('http://127.0.0.1:9201', 5000);
    expect(options).toMatchObject({ sniffOnStart: false, sniffInterval: false, maxRetries: 1 });
    expect(options.Transport).toBeUndefined();
  });

  it('passes cloud id, credentials and CA to the client, without sniffing', () => {
    const options = elasticsearchClientOptions('https://x.example', 5000, {
      cloudId: 'd:eA==',
      auth: { apiKey: 'k' },
      caCert: 'PEM',
    });
    expect(options).toMatchObject({ cloud: { id: 'd:eA==' }, auth: { apiKey: 'k' }, tls: { ca: 'PEM' } });
    expect(options.nodes).toBeUndefined();
    expect(options.sniffOnStart).toBe(false);
  });

  it('fails a request over to the next node when the first refuses connections', async () => {
    const server = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      response.end(JSON.stringify({ status: 'green', cluster_name: 'x' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const livePort = (server.address() as { port: number }).port;
    const client = new Client(
      elasticsearchClientOptions([`http://127.0.0.1:${deadPort}`, `http://127.0.0.1:${livePort}`], 2000, {
        sniff: false,
      }),
    );
    try {
      for (let i = 0; i < 4; i++) expect((await client.cluster.health()).status).toBe('green');
    } finally {
      await client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('sniffs: a client given one node learns the others from the cluster', async () => {
    const ports: number[] = [];
    const servers = [0, 1].map(() =>
      http.createServer((request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
        if (request.url?.startsWith('/_nodes/_all/http'))
          response.end(
            JSON.stringify({
              nodes: Object.fromEntries(
                ports.map((port, i) => [
                  `node${i}`,
                  { roles: ['master', 'data'], http: { publish_address: `127.0.0.1:${port}` } },
                ]),
              ),
            }),
          );
        else response.end('{}');
      }),
    );
    for (const server of servers) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      ports.push((server.address() as { port: number }).port);
    }
    const client = new Client(
      elasticsearchClientOptions(`http://127.0.0.1:${ports[0]}`, 2000, { sniff: true }),
    );
    try {
      // A transport that cannot sniff never reports one: fail after 5 s instead of hanging.
      const error = await new Promise<Error | null>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no sniff within 5 s')), 5000);
        client.diagnostic.on('sniff', (sniffError) => {
          clearTimeout(timer);
          resolve(sniffError);
        });
      });
      expect(error).toBeNull();
      expect(client.connectionPool.connections.map((c) => c.url.origin).sort()).toEqual(
        ports.map((port) => `http://127.0.0.1:${port}`).sort(),
      );
    } finally {
      await client.close();
      for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

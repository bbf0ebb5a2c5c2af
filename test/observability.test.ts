import { Client } from '@elastic/elasticsearch';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RunningServer } from '../apps/server/src/server';
import { startServerWithoutModel } from './support/server';
import { call } from './support/http';
import { dropIndices, testConfig } from './support/test-env';

describe('metrics and the query cache', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig({ QUARRY_QUERY_CACHE_TTL: '300' }));
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  const metric = async (name: string, labels = ''): Promise<number> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${name}${labels ? `{${labels}` : ''}`) && (labels || /^[a-z_]+ /.test(l)));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('serves identical searches from the cache and drops them when their collection changes', async () => {
    await call(server.url, 'POST', '/v1/documents?wait=true', [
      { id: 'c1', collection: 'notes', body: 'The backup runs nightly at two.' },
    ]);
    const hitsBefore = await metric('quarry_cache_hits_total');
    const first = await call(server.url, 'POST', '/v1/search', { query: '@notes backup', mode: 'lexical' });
    const second = await call(server.url, 'POST', '/v1/search', { query: '@notes backup', mode: 'lexical' });
    expect(second.body.hits).toEqual(first.body.hits);
    expect(await metric('quarry_cache_hits_total')).toBe(hitsBefore + 1);

    await call(server.url, 'POST', '/v1/documents?wait=true', [
      { id: 'c2', collection: 'notes', body: 'A second backup runs at noon.' },
    ]);
    const third = await call(server.url, 'POST', '/v1/search', { query: '@notes backup', mode: 'lexical' });
    expect(third.body.hits.map((h: { id: string }) => h.id).sort()).toEqual(['c1', 'c2']);
    expect(await metric('quarry_cache_hits_total')).toBe(hitsBefore + 1);
  });

  it('exposes request, latency, Elasticsearch, embedding, ingest, cache, session and process series', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const series of [
      'quarry_requests_total{op="search",transport="rest",outcome="ok"}',
      'quarry_request_duration_seconds_bucket{le="0.005",op="search",transport="rest"}',
      'quarry_elasticsearch_duration_seconds_count{operation="search"}',
      'quarry_embedding_duration_seconds_count',
      'quarry_ingest_documents_total{status="created"}',
      'quarry_ingest_bytes_total',
      'quarry_cache_hits_total',
      'quarry_cache_misses_total',
      'quarry_websocket_sessions{kind="mcp"}',
      'quarry_rate_limited_total',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toContain(series);
    }
  });

  it('sends the request id to Elasticsearch as X-Opaque-Id', async () => {
    // Elasticsearch echoes the X-Opaque-Id it received in its answer.
    const seen: (string | undefined)[] = [];
    const listener = (_error: unknown, event: { headers?: Record<string, unknown> } | null) => {
      seen.push(event?.headers?.['x-opaque-id'] as string | undefined);
    };
    server.app.get(Client).diagnostic.on('response', listener as never);
    try {
      await call(
        server.url,
        'POST',
        '/v1/search',
        { query: 'opaque id check', mode: 'lexical' },
        { 'x-request-id': 'trace-me-42' },
      );
    } finally {
      server.app.get(Client).diagnostic.off('response', listener as never);
    }
    expect(seen).toContain('trace-me-42');
  });

  it('has a dashboard that only uses exported metric names', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const exported = new Set(
      text
        .split('\n')
        .filter((l) => l.startsWith('# TYPE '))
        .flatMap((l) => {
          const [, , name, type] = l.split(' ');
          return type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
        }),
    );
    const dashboard = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', 'deploy', 'grafana', 'dashboards', 'quarry.json'), 'utf8'),
    );
    const expressions: string[] = JSON.stringify(dashboard).match(/"expr":"(?:[^"\\]|\\.)*"/g) ?? [];
    expect(expressions.length).toBeGreaterThan(5);
    const used = new Set(expressions.flatMap((e) => e.match(/\b(quarry_[a-z_]+|process_[a-z_]+)\b/g) ?? []));
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });
});

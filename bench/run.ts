/**
 * The benchmark suite (`npm run bench`, `just bench`): search latency per edge next to a direct
 * Elasticsearch call of the same query, Quarry's MCP search next to Elastic's official MCP
 * server on the same node and data, throughput at concurrency 1/8/32, ingest next to
 * embedding-only, cache-hit latency, and live delivery (from `npm run bench:live` when present).
 * It prints what it measured and the machine; it never passes or fails on time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import WebSocket from 'ws';
import { loadConfig } from '@quarry/config';
import { createEmbedder } from '@quarry/embeddings';
import { chunkText, createElasticsearchClient, lexicalRequest } from '@quarry/search';
import { ensureServices } from '@quarry/services';
import { buildCorpus } from './corpus';
import { startInstance, runBenchmark } from './instance';
import { machine, percentile, round, table, throughput, writeResult } from './stats';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 1000);
const root = path.join(__dirname, '..', '..');

async function timeEach(rounds: number, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await run(i);
    samples.push(performance.now() - t);
  }
  return samples;
}

async function main() {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const endpoints = await ensureServices(config, () => undefined);
  const prefix = 'bench-suite';
  const env = {
    ELASTICSEARCH_URL: endpoints.elasticsearchUrl,
    REDIS_URL: endpoints.redisUrl,
    QUARRY_INDEX_PREFIX: prefix,
  };
  const es = createElasticsearchClient(endpoints.elasticsearchUrl, 30_000);
  const old = Object.keys(await es.indices.get({ index: `${prefix}-*`, allow_no_indices: true }));
  if (old.length) await es.indices.delete({ index: old });

  const corpus = await buildCorpus('manpages', { documents: DOCUMENTS, queries: 200 });
  const queries = corpus.queries.map((q) => q.text);
  const quarry = await startInstance({ ...env, QUARRY_QUERY_CACHE_TTL: '0' });
  const report: Record<string, unknown> = {
    machine: machine(),
    startedAt: new Date().toISOString(),
    documents: corpus.documents.length,
  };
  const rows: Record<string, unknown>[] = [];
  const clients: Client[] = [];
  try {
    // Ingest through REST, then the embedder alone on the same chunk texts.
    let started = performance.now();
    for (let i = 0; i < corpus.documents.length; i += 100) {
      await fetch(`${quarry.url}/v1/documents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(corpus.documents.slice(i, i + 100)),
      });
    }
    const ingestPerSecond = corpus.documents.length / ((performance.now() - started) / 1000);
    await es.indices.refresh({ index: `${prefix}-*` });
    const embedder = await createEmbedder(
      config.embedder.kind === 'local' ? { ...config.embedder, dataDir: config.dataDir } : config.embedder,
    );
    const texts = corpus.documents.flatMap((d) =>
      chunkText(d.body).map((c) => (d.title ? `${d.title}. ${c}` : c)),
    );
    started = performance.now();
    for (let i = 0; i < texts.length; i += 64) await embedder.embedPassages(texts.slice(i, i + 64));
    const embedPerSecond = corpus.documents.length / ((performance.now() - started) / 1000);
    await embedder.close();
    report.ingest = {
      ingestDocsPerSecond: round(ingestPerSecond, 1),
      embeddingOnlyDocsPerSecond: round(embedPerSecond, 1),
      ratio: round(ingestPerSecond / embedPerSecond),
      chunks: texts.length,
    };

    const docsIndex = Object.keys(await es.indices.getAlias({ name: `${prefix}-docs` }))[0];
    const direct = (i: number) =>
      es.search(
        lexicalRequest(
          docsIndex,
          queries[i % queries.length],
          {},
          { from: 0, size: 10, facets: true, documentFragments: 3 },
        ),
      );
    const rest = (i: number) =>
      fetch(`${quarry.url}/v1/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: queries[i % queries.length], mode: 'lexical' }),
      }).then((r) => r.json());
    const graphqlAvailable = (
      await fetch(`${quarry.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{__typename}"}',
      })
    ).ok;
    const graphql = (i: number) =>
      fetch(`${quarry.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query:
            'query($input: SearchInput!) { search(input: $input) { total hits { id score title snippet collection tags } } }',
          variables: { input: { query: queries[i % queries.length], mode: 'LEXICAL' } },
        }),
      }).then((r) => r.json());
    const connect = async (transport: Parameters<Client['connect']>[0]) => {
      const client = new Client({ name: 'bench', version: '1' }, { capabilities: {} });
      await client.connect(transport);
      clients.push(client);
      return client;
    };
    const mcpWs = await connect(
      new WebSocketClientTransport(new URL(`${quarry.url.replace('http', 'ws')}/mcp/ws`)),
    );
    const mcpHttp = await connect(new StreamableHTTPClientTransport(new URL(`${quarry.url}/mcp`)));
    const stdio = await connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [path.join(root, 'dist/apps/cli/src/main.js'), 'stdio'],
        env: {
          ...(process.env as Record<string, string>),
          ...env,
          LOG_LEVEL: 'warn',
          QUARRY_QUERY_CACHE_TTL: '0',
        },
      }),
    );
    const elastic = await connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [path.join(root, 'node_modules/@elastic/mcp-server-elasticsearch/dist/index.js')],
        // It insists on an API key; the node runs without security, which ignores the header.
        env: {
          ...(process.env as Record<string, string>),
          ES_URL: endpoints.elasticsearchUrl,
          ES_API_KEY: 'unused-security-is-off',
        },
      }),
    );
    const mcpSearch = (client: Client) => (i: number) =>
      client.callTool({ name: 'search', arguments: { query: queries[i % queries.length], mode: 'lexical' } });
    const elasticSearch = (i: number) => {
      const { index: _index, ...body } = lexicalRequest(
        docsIndex,
        queries[i % queries.length],
        {},
        { from: 0, size: 10, facets: true, documentFragments: 3 },
      );
      return elastic.callTool({ name: 'search', arguments: { index: docsIndex, queryBody: body } });
    };

    // Warm-up so JIT, connection pools and ES caches are equal for every path.
    for (const run of [direct, rest, mcpSearch(mcpWs), mcpSearch(mcpHttp), mcpSearch(stdio), elasticSearch])
      await timeEach(20, run);
    if (graphqlAvailable) await timeEach(20, graphql);

    const edges: [string, (i: number) => Promise<unknown>][] = [
      ['REST', rest],
      ...(graphqlAvailable ? ([['GraphQL', graphql]] as [string, (i: number) => Promise<unknown>][]) : []),
      ['MCP WebSocket', mcpSearch(mcpWs)],
      ['MCP Streamable HTTP', mcpSearch(mcpHttp)],
      ['MCP stdio', mcpSearch(stdio)],
      ["Elastic's MCP server (stdio, same DSL)", elasticSearch],
    ];
    for (const [edge, run] of edges) {
      // Interleave with the direct call so both see the same machine state.
      const edgeSamples: number[] = [];
      const directSamples: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        edgeSamples.push(...(await timeEach(1, () => run(i))));
        directSamples.push(...(await timeEach(1, () => direct(i))));
      }
      rows.push({
        'search path (lexical)': edge,
        'p50 ms': round(percentile(edgeSamples, 50)),
        'p95 ms': round(percentile(edgeSamples, 95)),
        'direct ES p50 ms': round(percentile(directSamples, 50)),
        'p50 ratio vs direct': round(percentile(edgeSamples, 50) / percentile(directSamples, 50)),
      });
    }
    const quarryStdio = rows.find((r) => r['search path (lexical)'] === 'MCP stdio')!;
    const elasticRow = rows.find((r) => String(r['search path (lexical)']).startsWith("Elastic's"))!;
    report.mcpComparison = {
      quarryStdioP50: quarryStdio['p50 ms'],
      elasticStdioP50: elasticRow['p50 ms'],
      ratio: round(Number(quarryStdio['p50 ms']) / Number(elasticRow['p50 ms'])),
    };
    report.latency = rows;
    process.stdout.write(
      `\nSearch latency per edge (${ROUNDS} queries each, ${corpus.documents.length} man pages)\n${table(rows)}\n`,
    );

    const throughputRows: Record<string, unknown>[] = [];
    for (const concurrency of [1, 8, 32]) {
      const total = concurrency * 40;
      const directRate = await throughput(concurrency, total, direct);
      const restRate = await throughput(concurrency, total, rest);
      const row: Record<string, unknown> = {
        concurrency,
        'direct ES req/s': round(directRate, 0),
        'REST req/s': round(restRate, 0),
        'REST ratio': round(restRate / directRate),
      };
      if (graphqlAvailable) {
        const graphqlRate = await throughput(concurrency, total, graphql);
        row['GraphQL req/s'] = round(graphqlRate, 0);
        row['GraphQL ratio'] = round(graphqlRate / directRate);
      }
      throughputRows.push(row);
    }
    report.throughput = throughputRows;
    process.stdout.write(`\nThroughput (lexical search)\n${table(throughputRows)}\n`);

    // The query cache: a second instance with it on; the same query twice.
    const cached = await startInstance({ ...env, QUARRY_QUERY_CACHE_TTL: '300' });
    try {
      const search = (q: string) =>
        fetch(`${cached.url}/v1/search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: q, mode: 'hybrid' }),
        }).then((r) => r.json());
      const misses = await timeEach(queries.length, (i) => search(queries[i]));
      const hits = await timeEach(queries.length, (i) => search(queries[i]));
      report.cache = {
        hybridMissP50: round(percentile(misses, 50)),
        hybridHitP50: round(percentile(hits, 50)),
        speedup: round(percentile(misses, 50) / percentile(hits, 50)),
      };
      process.stdout.write(
        `\nQuery cache (hybrid, REST)\n${table([report.cache as Record<string, unknown>])}\n`,
      );
    } finally {
      cached.child.kill('SIGTERM');
    }
    process.stdout.write(`\nIngest\n${table([report.ingest as Record<string, unknown>])}\n`);

    const live = path.join(root, 'bench', 'results', 'live.json');
    if (fs.existsSync(live)) {
      report.live = JSON.parse(fs.readFileSync(live, 'utf8'));
      process.stdout.write(`\nLive delivery: from ${live} (npm run bench:live)\n`);
    } else {
      process.stdout.write(
        '\nLive delivery: run `npm run bench:live` (1,000 subscriptions over 2 instances)\n',
      );
    }
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
    quarry.child.kill('SIGTERM');
    await es.close();
  }
  process.stdout.write(
    `\nmachine: ${JSON.stringify(report.machine)}\nwritten to ${writeResult('latest', report)}\n`,
  );
  process.exit(0);
}

runBenchmark(main);

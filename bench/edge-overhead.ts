/**
 * Lexical search latency per edge next to the same request sent straight to Elasticsearch,
 * interleaved query by query (the order of the paths turns every query), so a slow moment of this
 * shared 2-core machine falls on every path alike. Quarry runs as its own process (npm start's
 * entry point, query cache off, rate limits on as shipped); REST and GraphQL are sent with undici's
 * `request`, the HTTP client the Elasticsearch client uses, MCP with the SDK's WebSocket client.
 * Repeats BENCH_REPEATS passes and prints each pass's p50 ratios and their spread.
 *
 * With BENCH_CPU_PROF=dir the server runs under `node --cpu-prof` and writes its profile there when
 * the bench ends; `node dist/bench/profile-summary.js dir/<file>.cpuprofile` says where its main
 * thread's time went.
 *
 * With BENCH_BASELINE=<another checkout, built> a second Quarry runs from that checkout's dist/ on
 * the same indices, and its three edges take their turns in the same rotation ("... (baseline)"):
 * before and after side by side in one run, since on this shared machine two runs minutes apart
 * differ more than the change measured. The baseline has indices of its own (`bench-edges-baseline`,
 * the same documents ingested through it), so a build with an older index definition can run.
 * With BENCH_CPU_PROF too, its profile goes to dir/baseline.
 * BENCH_EDGES=REST (or GraphQL, MCP; a comma-separated list) sends only those edges' requests, so
 * a profile holds one edge's requests.
 *
 *   npm run build && BENCH_ROUNDS=300 node dist/bench/edge-overhead.js
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { Agent, request } from 'undici';
import { loadConfig } from '@quarry/config';
import { createElasticsearchClient, lexicalRequest, parseQuery } from '@quarry/search';
import { ensureServices } from '@quarry/services';
import { buildCorpus } from './corpus';
import { runBenchmark, startInstance, type Instance } from './instance';
import { percentile, round, table, writeResult } from './stats';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 300);
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
/** BENCH_CACHE=1: the query cache on, as shipped, every request a miss (its own query text). */
const CACHE = process.env.BENCH_CACHE === '1';
/** BENCH_MCP_DEBUG=1: also an MCP client at log level debug (one log frame per tool call). */
const MCP_DEBUG = process.env.BENCH_MCP_DEBUG === '1';
const BASELINE = process.env.BENCH_BASELINE;
/** BENCH_EDGES=REST,GraphQL,MCP: only these edges (a profile of one edge's requests). */
const EDGES = process.env.BENCH_EDGES?.split(',');
const root = path.join(__dirname, '..', '..');

/** CPU time a process has used so far (user + system, every thread), from /proc. */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Quarry started from `checkout`'s dist/ as npm start runs it; resolves once it listens. */
function startQuarry(
  checkout: string,
  endpoints: { elasticsearchUrl: string; redisUrl: string },
  prefix: string,
  profileDir?: string,
): Promise<Instance> {
  return startInstance(
    {
      ELASTICSEARCH_URL: endpoints.elasticsearchUrl,
      REDIS_URL: endpoints.redisUrl,
      QUARRY_INDEX_PREFIX: prefix,
      QUARRY_QUERY_CACHE_TTL: CACHE ? '300' : '0',
      // High enough that the bench is never refused, yet every request takes its token.
      QUARRY_RATE_LIMIT_READ: process.env.QUARRY_RATE_LIMIT_READ ?? '1000000',
      // BENCH_LOG_LEVEL=info: a log line per request, as `npm start` runs (the default here, warn, logs none).
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    },
    path.basename(checkout),
    { checkout, nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] },
  );
}

async function main() {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const endpoints = await ensureServices(config, () => undefined);
  const prefix = 'bench-edges';
  const es = createElasticsearchClient(endpoints.elasticsearchUrl, 30_000);
  const quarry = await startQuarry(root, endpoints, prefix, PROFILE_DIR);
  const baseline = BASELINE
    ? await startQuarry(
        path.resolve(BASELINE),
        endpoints,
        `${prefix}-baseline`,
        PROFILE_DIR && path.join(PROFILE_DIR, 'baseline'),
      )
    : undefined;
  const url = quarry.url;
  const http = new Agent({ connections: 4 });
  const closing: Client[] = [];
  try {
    const docsIndex = `${prefix}-docs`;
    const corpus = await buildCorpus('manpages', { documents: DOCUMENTS, queries: 200 });
    // Each Quarry's indices hold the corpus, ingested through that Quarry.
    for (const [base, indexPrefix] of [
      [url, prefix],
      ...(baseline ? [[baseline.url, `${prefix}-baseline`]] : []),
    ]) {
      const docs = `${indexPrefix}-docs`;
      const present = (await es.indices.exists({ index: docs }))
        ? (await es.count({ index: docs })).count
        : 0;
      if (present >= corpus.documents.length) continue;
      for (let i = 0; i < corpus.documents.length; i += 50) {
        const response = await request(`${base}/v1/documents`, {
          method: 'POST',
          dispatcher: http,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(corpus.documents.slice(i, i + 50)),
        });
        await response.body.text();
      }
      await es.indices.refresh({ index: `${indexPrefix}-*` });
    }
    const queries = corpus.queries.map((q) => q.text);
    const post = async (base: string, route: string, body: unknown) => {
      const response = await request(`${base}${route}`, {
        method: 'POST',
        dispatcher: http,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.statusCode !== 200)
        throw new Error(`${route} answered ${response.statusCode}: ${await response.body.text()}`);
      return response.body.json();
    };
    /** REST, GraphQL and MCP over WebSocket of the Quarry at `base`, named with `suffix`. */
    const edges = async (base: string, suffix = ''): Promise<[string, (q: string) => Promise<unknown>][]> => {
      const client = new Client({ name: 'bench', version: '1' }, { capabilities: {} });
      await client.connect(new WebSocketClientTransport(new URL(`${base.replace('http', 'ws')}/mcp/ws`)));
      closing.push(client);
      const all: [string, (q: string) => Promise<unknown>][] = [
        [`REST${suffix}`, (q) => post(base, '/v1/search', { query: q, mode: 'lexical' })],
        [
          `GraphQL${suffix}`,
          (q) =>
            post(base, '/graphql', {
              query:
                'query($input: SearchInput!) { search(input: $input) { total hits { id score title snippet collection tags } } }',
              variables: { input: { query: q, mode: 'LEXICAL' } },
            }),
        ],
        [
          `MCP WebSocket${suffix}`,
          (q) => client.callTool({ name: 'search', arguments: { query: q, mode: 'lexical' } }),
        ],
      ];
      return all.filter(([name]) => !EDGES || EDGES.some((edge) => name.startsWith(edge)));
    };
    const paths: [string, (q: string) => Promise<unknown>][] = [
      [
        'direct ES',
        (q) =>
          es.search(
            lexicalRequest(
              docsIndex,
              parseQuery(q).text,
              {},
              { from: 0, size: 10, facets: true, documentFragments: 3 },
            ),
          ),
      ],
      ...(await edges(url)),
      ...(baseline ? await edges(baseline.url, ' (baseline)') : []),
    ];
    if (MCP_DEBUG) {
      // The same edge with a client that asked for debug logging: a log frame per call, as every
      // 2025 session had before log messages followed logging/setLevel.
      const debug = new Client({ name: 'bench-debug', version: '1' }, { capabilities: {} });
      await debug.connect(new WebSocketClientTransport(new URL(`${url.replace('http', 'ws')}/mcp/ws`)));
      await debug.setLoggingLevel('debug');
      closing.push(debug);
      paths.push([
        'MCP WebSocket, debug log per call',
        (q) => debug.callTool({ name: 'search', arguments: { query: q, mode: 'lexical' } }),
      ]);
    }
    if (CACHE) {
      // Entries of an earlier run (same prefix, same Redis) would be hits: a new generation of
      // every unscoped search makes them unreachable, as a write would.
      const redis = new Redis(endpoints.redisUrl);
      await redis.incr(`${prefix}:gen:*`);
      await redis.incr(`${prefix}-baseline:gen:*`);
      redis.disconnect();
    }
    // Warm-up: JIT, connection pools, Elasticsearch's caches.
    for (let i = 0; i < 60; i++) for (const [, run] of paths) await run(queries[i % queries.length]);

    // CPU time is what a process ran, not how long it waited for a core: unlike latency it is
    // not inflated by the other jobs of a busy machine.
    const servers = baseline ? [quarry, baseline] : [quarry];
    const cpuBefore = servers.map(({ child }) => cpuMs(child.pid!));
    const passes: Record<string, unknown>[] = [];
    for (let pass = 0; pass < REPEATS; pass++) {
      const samples = new Map<string, number[]>(paths.map(([name]) => [name, []]));
      for (let i = 0; i < ROUNDS; i++) {
        for (let k = 0; k < paths.length; k++) {
          const path = (i + k) % paths.length;
          const [name, run] = paths[path];
          // Question marks change no word: the same search, but a text no earlier request sent.
          const marks = CACHE
            ? '?'.repeat(1 + path + paths.length * (pass + REPEATS * Math.floor(i / queries.length)))
            : '';
          const query = `${queries[i % queries.length]}${marks}`;
          const started = performance.now();
          await run(query);
          samples.get(name)!.push(performance.now() - started);
        }
      }
      const direct = percentile(samples.get('direct ES')!, 50);
      const row: Record<string, unknown> = { pass: pass + 1, 'direct ES p50 ms': round(direct) };
      for (const [name] of paths.slice(1)) row[name] = round(percentile(samples.get(name)!, 50) / direct);
      passes.push(row);
    }
    const median: Record<string, unknown> = { pass: 'median' };
    const spread: Record<string, unknown> = { pass: 'min–max' };
    for (const key of Object.keys(passes[0]).slice(1)) {
      const values = passes.map((p) => p[key] as number);
      median[key] = round(percentile(values, 50));
      spread[key] = `${Math.min(...values)}–${Math.max(...values)}`;
    }
    const cpuPerRequest = servers.map(({ child }, i) => {
      const requests = paths.filter(
        ([name]) => name !== 'direct ES' && name.endsWith(' (baseline)') === (i === 1),
      ).length;
      return round((cpuMs(child.pid!) - cpuBefore[i]) / (requests * ROUNDS * REPEATS), 2);
    });
    process.stdout.write(
      `\nQuarry's process CPU per request (user + system, every thread): ${cpuPerRequest[0]} ms${baseline ? `, baseline ${cpuPerRequest[1]} ms` : ''}\n`,
    );
    const rows = [...passes, median, spread];
    process.stdout.write(
      `\nLexical search p50 per edge / direct Elasticsearch p50 (${ROUNDS} interleaved queries per pass, ${corpus.documents.length} man pages, query cache ${CACHE ? 'on, every request a miss' : 'off'})\n${table(rows)}\n`,
    );
    process.stdout.write(
      `written to ${writeResult('edge-overhead', { rounds: ROUNDS, rows, cpuMsPerRequest: cpuPerRequest })}\n`,
    );
  } finally {
    for (const client of closing) await client.close().catch(() => undefined);
    await http.close();
    await es.close();
    for (const { child } of baseline ? [quarry, baseline] : [quarry]) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

runBenchmark(main);

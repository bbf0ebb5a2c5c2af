/**
 * Hybrid search throughput next to the same lexical request sent straight to Elasticsearch, at
 * concurrency 16 (`BENCH_CONCURRENCY`), side by side in one process on the man-page corpus:
 * the search core in-process (SearchService on its repository and the local embedder: search
 * work alone) and the REST edge of a Quarry server in the same process (`POST /v1/search`, query
 * cache off: the product's path, with hit locations, the message manager and HTTP). Each measured
 * query is sent once per path and round, and the warm-up uses other texts, so no query vector
 * comes from a cache. The paths take turns in blocks of `BENCH_BLOCK` queries, so a slower or
 * faster moment of this shared machine falls on every path alike. The REST path's client is
 * undici's `request`, the HTTP client the Elasticsearch client sends the direct request with (Node's
 * `fetch`, on the same undici, spent about 3 ms more CPU per request in this same process, which
 * the server is not to be charged for). Prints figures and ratios; never passes or fails on time.
 *
 *   npm run build && BENCH_ROUNDS=3 node dist/bench/search-throughput.js
 *   QUARRY_EMBEDDER_MODEL=all-minilm-l6-v2 BENCH_MODEL_SUFFIX=1 node dist/bench/search-throughput.js
 *
 * `core hybrid, vectors given` is the search core with every query's vector embedded before the
 * clock starts (an embedder that looks them up): the hybrid search's own cost with the model's
 * taken away, so how far any model, however fast, could take the ratio is measured, not guessed.
 *
 * `BENCH_BASELINE_EMBEDDER` (JSON options of the local embedder, e.g. '{"maxQueryGroup":1}') adds
 * a second server whose embedder runs with those options, as one more path taking turns with the
 * others: an embedder change measured side by side, not across runs of a shared machine.
 */
import { loadConfig } from '@quarry/config';
import { createEmbedder, type Embedder, type OnnxEmbedderOptions } from '@quarry/embeddings';
import {
  indexNames,
  lexicalRequest,
  parseQuery,
  SearchRepository,
  SearchService,
  type SearchMode,
} from '@quarry/search';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import { Agent, request } from 'undici';
import { buildCorpus, type CorpusName } from './corpus';
import { runBenchmark } from './instance';
import { startBenchServer, withSearchCore } from './search-core';
import { percentile, round, table, throughput, writeResult } from './stats';

const corpusName = (process.env.BENCH_CORPUS ?? 'manpages') as CorpusName;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const block = Number(process.env.BENCH_BLOCK ?? 50);
const BASELINE_COLUMN = 'REST hybrid, baseline embedder';
const GIVEN_COLUMN = 'core hybrid, vectors given';

/** `embedder` answering queries from vectors it embedded beforehand (`texts`), so a search spends nothing on the model. */
async function givenVectors(embedder: Embedder, texts: string[]): Promise<Embedder> {
  const vectors = await embedder.embedQueries(texts);
  const known = new Map(texts.map((text, i) => [text, vectors[i]]));
  return {
    id: embedder.id,
    dims: embedder.dims,
    model: embedder.model,
    embedQueries: (queries) =>
      Promise.resolve(
        queries.map((query) => {
          const vector = known.get(query);
          if (!vector) throw new Error(`no vector embedded beforehand for "${query}"`);
          return vector;
        }),
      ),
    embedPassages: (passages, signal) => embedder.embedPassages(passages, signal),
    close: () => Promise.resolve(),
    knownWordShare: (text) => embedder.knownWordShare(text),
  };
}

/** CPU milliseconds this process's threads have used (Linux `/proc`): the main thread's, and all others' (the ONNX workers, GC). */
function threadCpu(): { main: number; other: number } {
  const tick = 10; // ms per clock tick (USER_HZ 100)
  let main = 0;
  let other = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * tick;
    if (Number(tid) === process.pid) main += ms;
    else other += ms;
  }
  return { main, other };
}

/** CPU milliseconds Elasticsearch's process has used. Its figure is refreshed once a second. */
async function elasticsearchCpu(client: Client): Promise<number> {
  const stats = await client.nodes.stats({ metric: 'process' });
  return Object.values(stats.nodes).reduce((sum, node) => sum + (node.process?.cpu?.total_in_millis ?? 0), 0);
}

/** CPU per request of `run` at `concurrency`: Elasticsearch's, and this process's main thread's and other threads'. */
async function cpuPerRequest(
  client: Client,
  concurrency: number,
  total: number,
  run: (i: number) => Promise<unknown>,
): Promise<Record<string, number>> {
  await sleep(1100);
  const es = await elasticsearchCpu(client);
  const threads = threadCpu();
  await throughput(concurrency, total, run);
  await sleep(1100);
  const after = threadCpu();
  return {
    'Elasticsearch ms': round(((await elasticsearchCpu(client)) - es) / total, 1),
    'Quarry main thread ms': round((after.main - threads.main) / total, 1),
    'Quarry other threads ms': round((after.other - threads.other) / total, 1),
  };
}

function main() {
  return withSearchCore(async ({ client, embedder, endpoints }) => {
    // An embedder setting to compare with, side by side (BENCH_BASELINE_EMBEDDER, JSON options of
    // the local embedder, e.g. {"maxQueryGroup":1}): the same model behind a second server.
    const baselineOptions = process.env.BENCH_BASELINE_EMBEDDER;
    const baselineEmbedder = baselineOptions
      ? await createEmbedder({
          kind: 'local',
          model: embedder.model.id.replace(/^local:/, ''),
          dataDir: loadConfig(process.env).dataDir,
          ...(JSON.parse(baselineOptions) as OnnxEmbedderOptions),
        })
      : undefined;
    // Another model's indices, as bench/rankings.ts names them (BENCH_MODEL_SUFFIX=1).
    const suffix =
      process.env.BENCH_MODEL_SUFFIX === '1' ? `-${embedder.model.id.replace(/^local:/, '')}` : '';
    const prefix = `bench-${corpusName}${suffix}`;
    const indices = indexNames(prefix);
    const documents = (await client.count({ index: indices.docs })).count;
    if (documents === 0)
      throw new Error(`${indices.docs} is empty: index the corpus first (node dist/bench/rankings.js)`);
    const corpus = await buildCorpus(corpusName, { documents, queries: 300 });
    const queries = corpus.queries.map((q) => q.text);
    // Warm-up: JIT, connections, the model's sessions. A server runs warm; Quarry's paths have far
    // more code to compile than the direct request, so 32 requests left them half cold (REST lexical
    // went from 0.56 to 0.84 of direct between the first and fourth pass). Other texts than the
    // measured queries, so no query vector is cached.
    const warmUp = corpus.documents
      .slice(0, 200)
      .map((d) => `${d.title} ${d.body.split(/\s+/).slice(0, 6).join(' ')}`);
    const serve = (serverEmbedder: typeof embedder) => startBenchServer(endpoints, prefix, serverEmbedder);
    const server = await serve(embedder);
    const baselineServer = baselineEmbedder ? await serve(baselineEmbedder) : undefined;
    const http = new Agent({ connections: concurrency });
    try {
      const search = new SearchService(new SearchRepository(client, indices.docs), embedder, indices);
      const direct = (texts: string[]) => (i: number) =>
        client.search(
          lexicalRequest(
            indices.docs,
            parseQuery(texts[i % texts.length]).text,
            {},
            { from: 0, size: 10, facets: true, documentFragments: 3 },
          ),
        );
      const core =
        (mode: SearchMode, texts: string[], service = search) =>
        (i: number) =>
          service.search({ query: texts[i % texts.length], mode });
      // Vectors of the measured texts (and the warm-up's), embedded before any clock starts.
      const given = new SearchService(
        new SearchRepository(client, indices.docs),
        await givenVectors(embedder, [
          ...queries,
          ...queries.map((q) => `${q}!!!!`),
          ...warmUp.map((t) => `${t} z`),
        ]),
        indices,
      );
      const rest =
        (mode: SearchMode, texts: string[], url = server.url) =>
        async (i: number) => {
          const response = await request(`${url}/v1/search`, {
            method: 'POST',
            dispatcher: http,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: texts[i % texts.length], mode }),
          });
          if (response.statusCode !== 200)
            throw new Error(`search answered ${response.statusCode}: ${await response.body.text()}`);
          return response.body.json();
        };
      await throughput(concurrency, warmUp.length, core('hybrid', warmUp));
      await throughput(
        concurrency,
        warmUp.length,
        core(
          'hybrid',
          warmUp.map((t) => `${t} z`),
          given,
        ),
      );
      await throughput(
        concurrency,
        warmUp.length,
        rest(
          'hybrid',
          warmUp.map((t) => `${t} x`),
        ),
      );
      if (baselineServer)
        await throughput(
          concurrency,
          warmUp.length,
          rest(
            'hybrid',
            warmUp.map((t) => `${t} y`),
            baselineServer.url,
          ),
        );
      await throughput(concurrency, warmUp.length, rest('lexical', warmUp));
      await throughput(concurrency, warmUp.length, direct(warmUp));
      const rows: Record<string, unknown>[] = [];
      for (let r = 0; r < rounds; r++) {
        // Every round and hybrid path gets its own query texts, so no vector comes from a cache.
        // Question marks change no word, so the lexical side is the same search.
        const own = (path: number) => queries.map((q) => `${q}${'?'.repeat(r * 2 + path + 1)}`);
        const paths: Record<string, (i: number) => Promise<unknown>> = {
          direct: direct(queries),
          coreHybrid: core('hybrid', own(0)),
          coreGiven: core('hybrid', queries, given),
          restHybrid: rest('hybrid', own(1)),
          restLexical: rest('lexical', queries),
          ...(baselineServer ? { restHybridBaseline: rest('hybrid', own(2), baselineServer.url) } : {}),
        };
        const seconds: Record<string, number> = Object.fromEntries(
          Object.keys(paths).map((name) => [name, 0]),
        );
        for (let from = 0; from < queries.length; from += block) {
          const size = Math.min(block, queries.length - from);
          for (const [name, run] of Object.entries(paths))
            seconds[name] += size / (await throughput(concurrency, size, (i) => run(from + i)));
        }
        const rate = (name: string) => queries.length / seconds[name];
        rows.push({
          round: r + 1,
          'direct ES lexical req/s': round(rate('direct'), 1),
          'core hybrid': round(rate('coreHybrid') / rate('direct')),
          [GIVEN_COLUMN]: round(rate('coreGiven') / rate('direct')),
          'REST hybrid': round(rate('restHybrid') / rate('direct')),
          'REST lexical': round(rate('restLexical') / rate('direct')),
          ...(baselineServer
            ? { [BASELINE_COLUMN]: round(rate('restHybridBaseline') / rate('direct')) }
            : {}),
        });
      }
      const median = (key: string) =>
        round(
          percentile(
            rows.map((row) => row[key] as number),
            50,
          ),
        );
      rows.push({
        round: 'median',
        'direct ES lexical req/s': median('direct ES lexical req/s'),
        'core hybrid': median('core hybrid'),
        [GIVEN_COLUMN]: median(GIVEN_COLUMN),
        'REST hybrid': median('REST hybrid'),
        'REST lexical': median('REST lexical'),
        ...(baselineServer ? { [BASELINE_COLUMN]: median(BASELINE_COLUMN) } : {}),
      });
      // Where the CPU goes, path by path (one pass each, on the last round's query texts plus a mark).
      const cpu: Record<string, unknown>[] = [];
      const own = (path: number) => queries.map((q) => `${q}${'!'.repeat(path + 1)}`);
      for (const [path, run] of [
        ['direct ES lexical', direct(queries)],
        ['core hybrid', core('hybrid', own(0))],
        [GIVEN_COLUMN, core('hybrid', own(3), given)],
        ['REST hybrid', rest('hybrid', own(1))],
        ['REST lexical', rest('lexical', queries)],
        ...(baselineServer ? [[BASELINE_COLUMN, rest('hybrid', own(2), baselineServer.url)] as const] : []),
      ] as const)
        cpu.push({ path, ...(await cpuPerRequest(client, concurrency, queries.length, run)) });
      process.stdout.write(
        `\nThroughput at concurrency ${concurrency}, ${corpusName} (${documents} documents): ratios to the direct Elasticsearch lexical request\n${table(rows)}\n`,
      );
      process.stdout.write(`\nCPU per request (2 cores shared by everything)\n${table(cpu)}\n`);
      process.stdout.write(
        `written to ${writeResult('search-throughput', { corpus: corpusName, concurrency, rows, cpu })}\n`,
      );
    } finally {
      await server.close();
      await baselineServer?.close();
      await baselineEmbedder?.close();
      await http.close();
    }
  });
}

runBenchmark(main);

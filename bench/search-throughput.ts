/**
 * Hybrid search throughput next to the same lexical request sent straight to Elasticsearch, at
 * concurrency 16 (`BENCH_CONCURRENCY`), side by side in one process on the man-page corpus:
 * the search core in-process (SearchService on its repository and the local embedder: search
 * work alone) and the REST edge of a Quarry server in the same process (`POST /v1/search`, query
 * cache off: the product's path, with hit locations, the message manager and HTTP). Each measured
 * query is sent once per path and round, and the warm-up uses other texts, so no query vector
 * comes from a cache. Prints figures and ratios; never passes or fails on time.
 *
 *   npm run build && BENCH_ROUNDS=3 node dist/bench/search-throughput.js
 */
import { loadConfig } from '@quarry/config';
import {
  indexNames,
  lexicalRequest,
  parseQuery,
  SearchRepository,
  SearchService,
  type SearchMode,
} from '@quarry/search';
import { startServer } from '../apps/server/src/server';
import { buildCorpus, type CorpusName } from './corpus';
import { runBenchmark } from './instance';
import { withSearchCore } from './search-core';
import { percentile, round, table, throughput, writeResult } from './stats';

const corpusName = (process.env.BENCH_CORPUS ?? 'manpages') as CorpusName;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

function main() {
  return withSearchCore(async ({ client, embedder, endpoints }) => {
    const prefix = `bench-${corpusName}`;
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
    const server = await startServer(
      {
        // Unmetered, as in the other benches: the rate limiter is measured in bench/run.ts.
        ...loadConfig({
          ...process.env,
          LOG_LEVEL: 'warn',
          QUARRY_RATE_LIMIT_READ: '0',
          QUARRY_RATE_LIMIT_WRITE: '0',
        }),
        elasticsearchUrl: endpoints.elasticsearchUrl,
        redisUrl: endpoints.redisUrl,
        redisUrlExplicit: true,
        indexPrefix: prefix,
        queryCacheTtlSeconds: 0,
        port: 0,
      },
      { embedder },
    );
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
      const core = (mode: SearchMode, texts: string[]) => (i: number) =>
        search.search({ query: texts[i % texts.length], mode });
      const rest = (mode: SearchMode, texts: string[]) => async (i: number) => {
        const response = await fetch(`${server.url}/v1/search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: texts[i % texts.length], mode }),
        });
        if (response.status !== 200)
          throw new Error(`search answered ${response.status}: ${await response.text()}`);
        return response.json();
      };
      await throughput(concurrency, warmUp.length, core('hybrid', warmUp));
      await throughput(
        concurrency,
        warmUp.length,
        rest(
          'hybrid',
          warmUp.map((t) => `${t} x`),
        ),
      );
      await throughput(concurrency, warmUp.length, rest('lexical', warmUp));
      await throughput(concurrency, warmUp.length, direct(warmUp));
      const rows: Record<string, unknown>[] = [];
      for (let r = 0; r < rounds; r++) {
        // Every round and hybrid path gets its own query texts, so no vector comes from a cache.
        // Question marks change no word, so the lexical side is the same search.
        const own = (path: number) => queries.map((q) => `${q}${'?'.repeat(r * 2 + path + 1)}`);
        const before = await throughput(concurrency, queries.length, direct(queries));
        const coreHybrid = await throughput(concurrency, queries.length, core('hybrid', own(0)));
        const restHybrid = await throughput(concurrency, queries.length, rest('hybrid', own(1)));
        const restLexical = await throughput(concurrency, queries.length, rest('lexical', queries));
        const after = await throughput(concurrency, queries.length, direct(queries));
        const baseline = (before + after) / 2;
        rows.push({
          round: r + 1,
          'direct ES lexical req/s': round(baseline, 1),
          'core hybrid': round(coreHybrid / baseline),
          'REST hybrid': round(restHybrid / baseline),
          'REST lexical': round(restLexical / baseline),
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
        'REST hybrid': median('REST hybrid'),
        'REST lexical': median('REST lexical'),
      });
      process.stdout.write(
        `\nThroughput at concurrency ${concurrency}, ${corpusName} (${documents} documents): ratios to the direct Elasticsearch lexical request\n${table(rows)}\n`,
      );
      process.stdout.write(
        `written to ${writeResult('search-throughput', { corpus: corpusName, concurrency, rows })}\n`,
      );
    } finally {
      await server.close();
    }
  });
}

runBenchmark(main);

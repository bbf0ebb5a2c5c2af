/**
 * Hybrid search throughput next to the same lexical request sent straight to Elasticsearch, at
 * concurrency 16 (`BENCH_CONCURRENCY`), side by side in one process on the man-page corpus. The
 * search core runs in-process (SearchService on its repository and the local embedder), so the
 * figure is search work, not HTTP. Each measured query is sent once per path and the warm-up uses
 * other texts, so no query vector comes from the service's cache. Prints figures and ratios;
 * never passes or fails on time.
 *
 *   npm run build && node dist/bench/search-throughput.js
 */
import {
  indexNames,
  lexicalRequest,
  parseQuery,
  SearchRepository,
  SearchService,
  type SearchMode,
} from '@quarry/search';
import { buildCorpus, type CorpusName } from './corpus';
import { runBenchmark } from './instance';
import { withSearchCore } from './search-core';
import { round, table, throughput, writeResult } from './stats';

const corpusName = (process.env.BENCH_CORPUS ?? 'manpages') as CorpusName;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);

function main() {
  return withSearchCore(async ({ client, embedder }) => {
    const indices = indexNames(`bench-${corpusName}`);
    const documents = (await client.count({ index: indices.docs })).count;
    if (documents === 0)
      throw new Error(`${indices.docs} is empty: index the corpus first (node dist/bench/rankings.js)`);
    const corpus = await buildCorpus(corpusName, { documents, queries: 300 });
    const queries = corpus.queries.map((q) => q.text);
    const warmUp = corpus.documents
      .slice(0, 32)
      .map((d) => `${d.title} ${d.body.split(/\s+/).slice(0, 6).join(' ')}`);
    const search = new SearchService(new SearchRepository(client, indices.docs), embedder, indices);
    const direct = (texts: string[]) => (i: number) =>
      client.search(
        lexicalRequest(
          indices.docs,
          parseQuery(texts[i % texts.length]).text,
          {},
          {
            from: 0,
            size: 10,
            highlight: true,
            facets: true,
          },
        ),
      );
    const service = (mode: SearchMode, texts: string[]) => (i: number) =>
      search.search({ query: texts[i % texts.length], mode });
    await throughput(concurrency, warmUp.length, service('hybrid', warmUp));
    await throughput(concurrency, warmUp.length, direct(warmUp));
    const rows: Record<string, unknown>[] = [];
    for (let round_ = 0; round_ < rounds; round_++) {
      // Each round sends a different half of the queries to hybrid, so none repeats a cached vector.
      const half = queries.filter((_, i) => i % rounds === round_);
      const before = await throughput(concurrency, queries.length, direct(queries));
      const hybrid = await throughput(concurrency, half.length, service('hybrid', half));
      const lexical = await throughput(concurrency, queries.length, service('lexical', queries));
      const after = await throughput(concurrency, queries.length, direct(queries));
      const baseline = (before + after) / 2;
      rows.push({
        round: round_ + 1,
        'direct ES lexical req/s': round(baseline, 1),
        'hybrid req/s': round(hybrid, 1),
        'hybrid ratio': round(hybrid / baseline),
        'lexical req/s': round(lexical, 1),
        'lexical ratio': round(lexical / baseline),
      });
    }
    process.stdout.write(
      `\nThroughput at concurrency ${concurrency}, ${corpusName} (${documents} documents), search core in-process\n${table(rows)}\n`,
    );
    process.stdout.write(
      `written to ${writeResult('search-throughput', { corpus: corpusName, concurrency, rows })}\n`,
    );
  });
}

runBenchmark(main);

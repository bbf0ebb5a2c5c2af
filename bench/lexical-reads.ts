/**
 * What the Elasticsearch reads of a lexical search cost by themselves, next to the direct request
 * bench/edge-overhead.ts compares every edge with: Quarry's one read (the page with each hit's
 * shown chunk as inner hits of the full-text index's nested chunks), the page alone, a page read
 * by id (`pageRequest`: what hybrid and semantic pages send, here with each document's words'
 * candidates and its first chunk), and an empty search round trip, so where the time goes is
 * measured, not guessed. (Until session 10 the shown chunks were a second read, of the vector
 * index: 1.5-1.6 ms alone beside 1.5-1.6 for the page, docs/benchmarks.md.) Requests go one at a
 * time through the Elasticsearch client, every kind in turn on each query; p50 wall ms per pass.
 * Uses bench/edge-overhead.ts's indices (`bench-edges-*`: run that bench first).
 *
 *   npm run build && node dist/bench/lexical-reads.js
 */
import type { estypes } from '@elastic/elasticsearch';
import { loadConfig } from '@quarry/config';
import {
  createElasticsearchClient,
  indexNames,
  lexicalRequest,
  pageRequest,
  parseQuery,
} from '@quarry/search';
import { ensureServices } from '@quarry/services';
import { buildCorpus } from './corpus';
import { runBenchmark } from './instance';
import { percentile, round, table, writeResult } from './stats';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);

async function main() {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const endpoints = await ensureServices(config, () => undefined);
  const es = createElasticsearchClient(endpoints.elasticsearchUrl, 30_000);
  const indices = indexNames('bench-edges');
  try {
    if (!(await es.indices.exists({ index: indices.docs })))
      throw new Error(`${indices.docs} is missing: run node dist/bench/edge-overhead.js first`);
    const documents = (await es.count({ index: indices.docs })).count;
    const corpus = await buildCorpus('manpages', { documents, queries: QUERIES });
    // Each query's text and its page's document ids, as a lexical search reads them.
    const pages: [string, string[]][] = [];
    for (const query of corpus.queries) {
      const text = parseQuery(query.text).text;
      const page = await es.search(
        lexicalRequest(indices.docs, text, {}, { from: 0, size: 10, facets: true }),
      );
      pages.push([text, page.hits.hits.map((hit) => hit._id!)]);
    }
    const kinds: [string, (text: string, ids: string[]) => estypes.SearchRequest][] = [
      [
        'direct request (whole-body highlights)',
        (text) =>
          lexicalRequest(indices.docs, text, {}, { from: 0, size: 10, facets: true, documentFragments: 3 }),
      ],
      [
        "Quarry's one read: the page with each hit's shown chunk (inner hits)",
        (text) =>
          lexicalRequest(indices.docs, text, {}, { from: 0, size: 10, facets: true, shownChunks: true }),
      ],
      [
        'the page alone (no shown chunks)',
        (text) => lexicalRequest(indices.docs, text, {}, { from: 0, size: 10, facets: true }),
      ],
      [
        "a page read by id (words' candidates and first chunk of each)",
        (text, ids) => pageRequest(indices.docs, text, ids, new Map(ids.map((id) => [id, 0])), ids),
      ],
      [
        'empty search round trip',
        () => ({ index: indices.docs, size: 0, query: { ids: { values: ['-'] } } }),
      ],
    ];
    const rows: Record<string, unknown>[] = kinds.map(([name]) => ({ read: name }));
    for (let pass = 0; pass < REPEATS; pass++) {
      const samples = kinds.map((): number[] => []);
      for (const [text, ids] of pages) {
        for (const [k, [, request]] of kinds.entries()) {
          const started = performance.now();
          await es.search(request(text, ids));
          samples[k].push(performance.now() - started);
        }
      }
      samples.forEach((times, k) => (rows[k][`pass ${pass + 1} p50 ms`] = round(percentile(times, 50))));
    }
    process.stdout.write(
      `\nElasticsearch reads of a lexical search, one at a time (${pages.length} queries, ${documents} man pages)\n${table(rows)}\n`,
    );
    process.stdout.write(`written to ${writeResult('lexical-reads', { rows })}\n`);
  } finally {
    await es.close();
  }
}

runBenchmark(main);

/**
 * Search benchmark (`npm run bench:search`): relevance per mode through `evaluate_search` (the
 * operation behind `quarry eval`) with a sweep of semanticRatio and fusion on corpora built from
 * this machine's text; the default weighting is chosen on the tuning corpora and checked on the
 * held-out ones. Also hybrid throughput at concurrency 16 next to the same lexical request sent
 * straight to Elasticsearch, REST latency next to a direct call, and ingest next to
 * embedding-only throughput. Prints figures and ratios; never passes or fails on time.
 *
 *   BENCH_TUNING=manpages,wordnet,pydoc BENCH_HELDOUT=appstream BENCH_DOCUMENTS=800 BENCH_QUERIES=300 npm run bench:search
 */
import { MessageManager } from '@quarry/core';
import { EMBEDDER, type Embedder } from '@quarry/embeddings';
import { Client } from '@elastic/elasticsearch';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '@quarry/config';
import type { Envelope } from '@quarry/core';
import {
  chunkText,
  createElasticsearchClient,
  DEFAULT_FUSION,
  evaluationTable,
  lexicalRequest,
  parseQuery,
  type EvaluationResult,
  type EvaluationRow,
  type IngestResult,
  type SearchMode,
  INDICES,
  type IndexNames,
} from '@quarry/search';
import { ensureServices } from '@quarry/services';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { buildCorpus, type Corpus, type CorpusName } from './corpus';
import { runBenchmark } from './instance';
import { machine, percentile, round, table, throughput, writeResult } from './stats';

const MODES: SearchMode[] = ['lexical', 'semantic', 'hybrid'];
const list = (value: string) => value.split(',').filter(Boolean) as CorpusName[];
/** The default semanticRatio and fusion are chosen on these... */
const tuning = list(process.env.BENCH_TUNING ?? 'manpages,wordnet,pydoc');
/** ...and only checked on these, which never take part in the choice. */
const heldOut = list(process.env.BENCH_HELDOUT ?? 'appstream');
const documentsPerCorpus = Number(process.env.BENCH_DOCUMENTS ?? 2000);
const queriesPerCorpus = Number(process.env.BENCH_QUERIES ?? 300);
const latencyRounds = Number(process.env.BENCH_LATENCY_ROUNDS ?? 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** Keep the indices of an earlier run that hold the same number of documents (skips the ingest measurement). */
const reuse = process.env.BENCH_REUSE === '1';
/** Set to 0 to skip re-embedding every chunk for the ingest vs embedding-only ratio. */
const measureEmbedOnly = process.env.BENCH_EMBED_ONLY !== '0';

function envelope(op: string, args: unknown): Envelope {
  return {
    op,
    args,
    principal: { id: 'bench', role: 'admin' },
    transport: 'internal',
    requestId: randomUUID(),
  };
}

async function ingest(server: RunningServer, corpus: Corpus) {
  const started = performance.now();
  let indexed = 0;
  for (let i = 0; i < corpus.documents.length; i += 100) {
    const batch = corpus.documents.slice(i, i + 100);
    const result = await server.app
      .get(MessageManager)
      .handle<IngestResult>(envelope('index_documents', { documents: batch }));
    indexed += result.indexed;
    if (result.failed)
      throw new Error(`ingest failed: ${JSON.stringify(result.items.find((x) => x.status === 'failed'))}`);
  }
  await server.app.get(Client).indices.refresh({
    index: [server.app.get<IndexNames>(INDICES).docs, server.app.get<IndexNames>(INDICES).vectors],
  });
  return { seconds: (performance.now() - started) / 1000, indexed };
}

/** The embedder alone on the same chunk texts the ingest embedded: the ceiling for ingest. */
async function embedOnly(server: RunningServer, corpus: Corpus) {
  const texts = corpus.documents.flatMap((d) =>
    chunkText(d.body).map((c) => (d.title ? `${d.title}. ${c}` : c)),
  );
  const started = performance.now();
  for (let i = 0; i < texts.length; i += 64)
    await server.app.get<Embedder>(EMBEDDER).embedPassages(texts.slice(i, i + 64));
  return { seconds: (performance.now() - started) / 1000, chunks: texts.length };
}

/** Every mode and the semanticRatio x fusion sweep, through the operation behind `quarry eval`. */
async function relevance(server: RunningServer, corpus: Corpus): Promise<EvaluationResult> {
  const judgments = corpus.queries.map((q) => ({
    query: q.text,
    relevant: Object.fromEntries(q.relevant.map((id) => [id, 1])),
  }));
  return server.app
    .get(MessageManager)
    .handle<EvaluationResult>(envelope('evaluate_search', { judgments, sweep: true }));
}

/**
 * Hybrid search through REST at `concurrency` in flight, next to the lexical request of the same
 * queries sent straight to Elasticsearch (the floor any search service pays). Each query is sent
 * once per path, and the query cache is off, so nothing is served from a cache.
 */
async function hybridThroughput(server: RunningServer, corpus: Corpus) {
  const queries = corpus.queries.map((q) => q.text);
  const client = server.app.get(Client);
  const rest = (mode: SearchMode) => (i: number) =>
    fetch(`${server.url}/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: queries[i % queries.length], mode }),
    }).then(async (r) => {
      if (r.status !== 200) throw new Error(`search answered ${r.status}: ${await r.text()}`);
      return r.json();
    });
  const direct = (i: number) =>
    client.search(
      lexicalRequest(
        server.app.get<IndexNames>(INDICES).docs,
        parseQuery(queries[i % queries.length]).text,
        {},
        { from: 0, size: 10, facets: true, documentFragments: 3 },
      ),
    );
  const total = queries.length;
  // Warm-up: connections, JIT, the embedder's session. Other texts than the measured queries, so
  // none of their vectors is in the search's query-vector cache when measured.
  const warmUp = corpus.documents.slice(0, 32).map((d) => d.title);
  await throughput(concurrency, warmUp.length, (i) =>
    fetch(`${server.url}/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: warmUp[i], mode: 'hybrid' }),
    }).then((r) => r.text()),
  );
  await throughput(concurrency, Math.min(32, total), direct);
  const directRate = await throughput(concurrency, total, direct);
  const hybridRate = await throughput(concurrency, total, rest('hybrid'));
  const lexicalRate = await throughput(concurrency, total, rest('lexical'));
  const directAgain = await throughput(concurrency, total, direct);
  const baseline = (directRate + directAgain) / 2;
  return [
    { path: 'direct ES lexical request', 'req/s': round(baseline, 1), 'ratio to direct': 1 },
    { path: 'REST hybrid', 'req/s': round(hybridRate, 1), 'ratio to direct': round(hybridRate / baseline) },
    {
      path: 'REST lexical',
      'req/s': round(lexicalRate, 1),
      'ratio to direct': round(lexicalRate / baseline),
    },
  ];
}

async function latency(server: RunningServer, corpus: Corpus) {
  const queries = corpus.queries.map((q) => q.text);
  const rows: Record<string, unknown>[] = [];
  const client = server.app.get(Client);
  for (const mode of MODES) {
    const rest: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < latencyRounds; i++) {
      const query = queries[i % queries.length];
      // Interleaved so both paths see the same caches and machine load.
      let t = performance.now();
      const response = await fetch(`${server.url}/v1/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, mode }),
      });
      await response.json();
      rest.push(performance.now() - t);
      if (mode === 'lexical') {
        t = performance.now();
        const parsed = parseQuery(query);
        await client.search(
          lexicalRequest(
            server.app.get<IndexNames>(INDICES).docs,
            parsed.text,
            {},
            { from: 0, size: 10, facets: true, documentFragments: 3 },
          ),
        );
        direct.push(performance.now() - t);
      }
    }
    rows.push({
      mode,
      'REST p50 ms': round(percentile(rest, 50)),
      'REST p95 ms': round(percentile(rest, 95)),
      'direct ES p50 ms': direct.length ? round(percentile(direct, 50)) : '-',
      'direct ES p95 ms': direct.length ? round(percentile(direct, 95)) : '-',
      'p50 ratio': direct.length ? round(percentile(rest, 50) / percentile(direct, 50)) : '-',
    });
  }
  return rows;
}

async function indexedDocuments(url: string, prefix: string): Promise<number> {
  const client = createElasticsearchClient(url, 30_000);
  try {
    return (await client.count({ index: `${prefix}-docs`, ignore_unavailable: true })).count;
  } catch {
    return -1;
  } finally {
    await client.close();
  }
}

/** A fresh index each run, so ingest is measured embedding every document. */
async function dropBenchIndices(url: string, prefix: string) {
  const client = createElasticsearchClient(url, 30_000);
  const existing = Object.keys(await client.indices.get({ index: `${prefix}-*`, allow_no_indices: true }));
  if (existing.length) await client.indices.delete({ index: existing });
  await client.close();
}

const sweepRows = (result: EvaluationResult) => result.rows.filter((r) => r.run.startsWith('hybrid '));
const rowOf = (result: EvaluationResult, run: string) => result.rows.find((r) => r.run === run)!;
/** How far a run is above the better single mode, on the worse of MRR@10 and nDCG@10 (negative: below). */
const margin = (result: EvaluationResult, row: EvaluationRow) =>
  Math.min(
    ...(['lexical', 'semantic'] as const).flatMap((mode) => [
      row['MRR@10'] - rowOf(result, mode)['MRR@10'],
      row['nDCG@10'] - rowOf(result, mode)['nDCG@10'],
    ]),
  );
const beatsSingles = (result: EvaluationResult, row: EvaluationRow) => margin(result, row) >= 0;

/**
 * The weighting whose worst margin over the single modes, across the tuning corpora, is largest
 * (maximin): a default has to hold on collections nobody measured, so it is judged by its worst
 * corpus, not its mean. Ratios 0 and 1 are the single modes themselves and are not candidates;
 * ties go to the better mean (MRR@10 + nDCG@10) / 2.
 */
/**
 * The weighting with the best margins over the single modes on the tuning corpora, sorted from
 * the worst up (leximin: the largest worst margin, then the largest second worst, ...), as
 * bench/fusion-study.ts chose the shipped default over three models. A default must hold on
 * collections nobody measured, so it is judged by its worst cases, not its mean.
 */
function chooseDefault(results: Map<CorpusName, EvaluationResult>) {
  const tuned = tuning.map((name) => results.get(name)!).filter(Boolean);
  const candidates = sweepRows(tuned[0])
    .filter((row) => row.semanticRatio! > 0 && row.semanticRatio! < 1)
    .map((row) => row.run);
  const margins = (run: string) => tuned.map((r) => margin(r, rowOf(r, run))).sort((a, b) => a - b);
  const better = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-9) return a[i] > b[i];
    return false;
  };
  const best = candidates.reduce((a, b) => (better(margins(b), margins(a)) ? b : a));
  const row = rowOf(tuned[0], best);
  return { run: best, semanticRatio: row.semanticRatio!, fusion: row.fusion!, safe: margins(best)[0] >= 0 };
}

async function main() {
  const base = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const endpoints = await ensureServices(base, () => undefined);
  const report: Record<string, unknown> = {
    machine: machine(),
    startedAt: new Date().toISOString(),
    embedder: base.embedder,
    tuning,
    heldOut,
    shippedDefault: DEFAULT_FUSION,
    corpora: {},
  };
  const results = new Map<CorpusName, EvaluationResult>();
  for (const name of [...tuning, ...heldOut]) {
    const buildStarted = performance.now();
    const corpus = await buildCorpus(name, { documents: documentsPerCorpus, queries: queriesPerCorpus });
    const role = tuning.includes(name) ? 'tuning' : 'held out';
    process.stdout.write(
      `\n## ${name} (${role}): ${corpus.documents.length} documents, ${corpus.queries.length} queries (built in ${round((performance.now() - buildStarted) / 1000, 1)} s)\n`,
    );
    const reused =
      reuse &&
      (await indexedDocuments(endpoints.elasticsearchUrl, `bench-${name}`)) === corpus.documents.length;
    if (!reused) await dropBenchIndices(endpoints.elasticsearchUrl, `bench-${name}`);
    const server = await startServer({
      ...base,
      elasticsearchUrl: endpoints.elasticsearchUrl,
      redisUrl: endpoints.redisUrl,
      redisUrlExplicit: true,
      indexPrefix: `bench-${name}`,
      queryCacheTtlSeconds: 0,
      port: 0,
    });
    try {
      const entry: Record<string, unknown> = { role };
      if (!reused) {
        const ingested = await ingest(server, corpus);
        const rate = ingested.indexed / ingested.seconds;
        const embedded = measureEmbedOnly ? await embedOnly(server, corpus) : undefined;
        entry.ingest = [
          {
            'ingest docs/s': round(rate, 1),
            'embedding-only docs/s': embedded ? round(corpus.documents.length / embedded.seconds, 1) : '-',
            ratio: embedded ? round(rate / (corpus.documents.length / embedded.seconds)) : '-',
          },
        ];
        process.stdout.write(`\nIngest\n${table(entry.ingest as Record<string, unknown>[])}\n`);
      }
      const evaluation = await relevance(server, corpus);
      results.set(name, evaluation);
      entry.relevance = evaluation;
      process.stdout.write(
        `\nRelevance (evaluate_search, ${evaluation.tookMs} ms)\n${evaluationTable(evaluation)}\n`,
      );
      entry.throughput = await hybridThroughput(server, corpus);
      process.stdout.write(
        `\nThroughput at concurrency ${concurrency}, uncached, ${corpus.queries.length} queries per path\n${table(entry.throughput as Record<string, unknown>[])}\n`,
      );
      entry.latency = await latency(server, corpus);
      process.stdout.write(
        `\nLatency (${latencyRounds} queries per mode, sequential)\n${table(entry.latency as Record<string, unknown>[])}\n`,
      );
      (report.corpora as Record<string, unknown>)[name] = entry;
    } finally {
      await server.close();
    }
  }
  const chosen = chooseDefault(results);
  const check = [...tuning, ...heldOut].map((name) => {
    const result = results.get(name)!;
    const row = rowOf(result, chosen.run);
    const shipped = rowOf(result, 'hybrid');
    return {
      corpus: `${name} (${tuning.includes(name) ? 'tuning' : 'held out'})`,
      'lexical MRR/nDCG': `${rowOf(result, 'lexical')['MRR@10']} / ${rowOf(result, 'lexical')['nDCG@10']}`,
      'semantic MRR/nDCG': `${rowOf(result, 'semantic')['MRR@10']} / ${rowOf(result, 'semantic')['nDCG@10']}`,
      [`chosen (${chosen.run}) MRR/nDCG`]: `${row['MRR@10']} / ${row['nDCG@10']}`,
      'chosen >= each single mode': beatsSingles(result, row) ? 'yes' : 'NO',
      [`shipped (${shipped.fusion} r=${shipped.semanticRatio}) MRR/nDCG`]: `${shipped['MRR@10']} / ${shipped['nDCG@10']}`,
      'shipped >= each single mode': beatsSingles(result, shipped) ? 'yes' : 'NO',
    };
  });
  report.chosen = chosen;
  report.check = check;
  process.stdout.write(
    `\n## Default weighting: largest worst margin over the single modes on ${tuning.join(', ')}${chosen.safe ? '' : ' (none was >= each single mode on every one)'}: ${chosen.fusion}, semanticRatio ${chosen.semanticRatio}\n${table(check)}\n`,
  );
  process.stdout.write(`\nwritten to ${writeResult('search', report)}\n`);
}

runBenchmark(main);

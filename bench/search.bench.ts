/**
 * Search benchmark (`npm run bench:search`): retrieval quality per mode on two corpora built
 * from text on this machine, REST latency next to a direct Elasticsearch call of the same
 * query, and ingest throughput next to embedding-only throughput. Prints figures and ratios;
 * never passes or fails on time.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '@quarry/config';
import type { Envelope } from '@quarry/core';
import {
  chunkText,
  createElasticsearchClient,
  fuseScores,
  lexicalRequest,
  parseQuery,
  reciprocalRankFusion,
  type IngestResult,
  type RankedDoc,
  type SearchMode,
  type SearchResult,
} from '@quarry/search';
import { ensureServices } from '@quarry/services';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { buildCorpus, type Corpus } from './corpus';
import { runBenchmark } from './instance';
import { machine, percentile, round, table, writeResult } from './stats';

const MODES: SearchMode[] = ['lexical', 'semantic', 'hybrid'];
const corpusNames = (process.env.BENCH_CORPORA ?? 'manpages,wordnet').split(',') as (
  'manpages' | 'wordnet'
)[];
const documentsPerCorpus = Number(process.env.BENCH_DOCUMENTS ?? 2000);
const queriesPerCorpus = Number(process.env.BENCH_QUERIES ?? 300);
const latencyRounds = Number(process.env.BENCH_LATENCY_ROUNDS ?? 200);

function envelope(op: string, args: unknown): Envelope {
  return {
    op,
    args,
    principal: { id: 'bench', role: 'admin' },
    transport: 'internal',
    requestId: randomUUID(),
  };
}

function reciprocalRank(ranking: string[], relevant: string[]): number {
  const position = ranking.slice(0, 10).findIndex((id) => relevant.includes(id));
  return position < 0 ? 0 : 1 / (position + 1);
}

function recall(ranking: string[], relevant: string[]): number {
  const top = new Set(ranking.slice(0, 10));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

async function ingest(server: RunningServer, corpus: Corpus) {
  const started = performance.now();
  let indexed = 0;
  for (let i = 0; i < corpus.documents.length; i += 100) {
    const batch = corpus.documents.slice(i, i + 100);
    const result = await server.runtime.manager.handle<IngestResult>(
      envelope('index_documents', { documents: batch }),
    );
    indexed += result.indexed;
    if (result.failed)
      throw new Error(`ingest failed: ${JSON.stringify(result.items.find((x) => x.status === 'failed'))}`);
  }
  await server.runtime.elasticsearch.indices.refresh({
    index: [server.runtime.indices.docs, server.runtime.indices.vectors],
  });
  return { seconds: (performance.now() - started) / 1000, indexed };
}

/** The embedder alone on the same chunk texts the ingest embedded: the ceiling for ingest. */
async function embedOnly(server: RunningServer, corpus: Corpus) {
  const texts = corpus.documents.flatMap((d) =>
    chunkText(d.body).map((c) => (d.title ? `${d.title}. ${c}` : c)),
  );
  const started = performance.now();
  for (let i = 0; i < texts.length; i += 64) await server.runtime.embedder.embedPassages(texts.slice(i, i + 64));
  return { seconds: (performance.now() - started) / 1000, chunks: texts.length };
}

async function quality(server: RunningServer, corpus: Corpus) {
  const sums: Record<string, { mrr: number; recall: number }> = {};
  const add = (name: string, ranking: string[], relevant: string[]) => {
    sums[name] ??= { mrr: 0, recall: 0 };
    sums[name].mrr += reciprocalRank(ranking, relevant);
    sums[name].recall += recall(ranking, relevant);
  };
  const lists = async (query: string, mode: SearchMode) =>
    (
      await server.runtime.manager.handle<SearchResult>(
        envelope('search', { query, mode, size: 50, highlight: false }),
      )
    ).hits.map((h): RankedDoc => ({ id: h.id, score: h.score }));
  for (const query of corpus.queries) {
    const [lexical, semantic, hybrid] = await Promise.all(MODES.map((mode) => lists(query.text, mode)));
    add(
      'lexical',
      lexical.map((d) => d.id),
      query.relevant,
    );
    add(
      'semantic',
      semantic.map((d) => d.id),
      query.relevant,
    );
    add(
      'hybrid',
      hybrid.map((d) => d.id),
      query.relevant,
    );
    add(
      'rrf k=60 (baseline)',
      reciprocalRankFusion([lexical, semantic]).map((d) => d.id),
      query.relevant,
    );
    // Fixed-weight blends, to show what the query-dependent weighting of `hybrid` buys.
    for (const w of [0.5, 0.7, 0.9]) {
      add(
        `fixed blend w=${w}`,
        fuseScores(lexical, semantic, { lexicalWeight: w }).map((d) => d.id),
        query.relevant,
      );
    }
  }
  const n = corpus.queries.length;
  return Object.entries(sums).map(([ranker, s]) => ({
    ranker,
    'MRR@10': round(s.mrr / n, 3),
    'Recall@10': round(s.recall / n, 3),
  }));
}

async function latency(server: RunningServer, corpus: Corpus) {
  const queries = corpus.queries.map((q) => q.text);
  const rows: Record<string, unknown>[] = [];
  const client = server.runtime.elasticsearch;
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
            server.runtime.indices.docs,
            parsed.text,
            {},
            { from: 0, size: 10, highlight: true, facets: true },
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

/** A fresh index each run, so ingest is measured embedding every document. */
async function dropBenchIndices(url: string, prefix: string) {
  const client = createElasticsearchClient(url, 30_000);
  const existing = Object.keys(await client.indices.get({ index: `${prefix}-*`, allow_no_indices: true }));
  if (existing.length) await client.indices.delete({ index: existing });
  await client.close();
}

async function main() {
  const base = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const endpoints = await ensureServices(base, () => undefined);
  const report: Record<string, unknown> = {
    machine: machine(),
    startedAt: new Date().toISOString(),
    corpora: {},
  };
  for (const name of corpusNames) {
    const buildStarted = performance.now();
    const corpus = await buildCorpus(name, { documents: documentsPerCorpus, queries: queriesPerCorpus });
    process.stdout.write(
      `\n## ${name}: ${corpus.documents.length} documents, ${corpus.queries.length} queries (built in ${round((performance.now() - buildStarted) / 1000, 1)} s)\n`,
    );
    await dropBenchIndices(endpoints.elasticsearchUrl, `bench-${name}`);
    const server = await startServer({
      ...base,
      elasticsearchUrl: endpoints.elasticsearchUrl,
      redisUrl: endpoints.redisUrl,
      redisUrlExplicit: true,
      indexPrefix: `bench-${name}`,
      port: 0,
    });
    try {
      const ingested = await ingest(server, corpus);
      const embedded = await embedOnly(server, corpus);
      const ingestRows = [
        {
          'ingest docs/s': round(ingested.indexed / ingested.seconds, 1),
          'embedding-only docs/s': round(corpus.documents.length / embedded.seconds, 1),
          ratio: round(ingested.indexed / ingested.seconds / (corpus.documents.length / embedded.seconds)),
          chunks: embedded.chunks,
        },
      ];
      process.stdout.write(
        `\nIngest (first run embeds; a re-run finds documents unchanged)\n${table(ingestRows)}\n`,
      );
      const qualityRows = await quality(server, corpus);
      process.stdout.write(`\nRetrieval quality\n${table(qualityRows)}\n`);
      const latencyRows = await latency(server, corpus);
      process.stdout.write(
        `\nLatency (${latencyRounds} queries per mode, sequential)\n${table(latencyRows)}\n`,
      );
      (report.corpora as Record<string, unknown>)[name] = {
        ingest: ingestRows,
        quality: qualityRows,
        latency: latencyRows,
      };
    } finally {
      await server.close();
    }
  }
  process.stdout.write(`\nwritten to ${writeResult('search', report)}\n`);
}

runBenchmark(main);

/**
 * Each judged query's lexical and semantic rankings (100 deep, with scores), as hybrid search
 * sees them before fusing, written to bench/results/rankings-<corpus>.json: the fusion rule is
 * studied on these offline (bench/fusion-study.ts) without searching again. Builds the search
 * core directly (no server), and indexes a corpus first when its bench indices are missing.
 *
 *   BENCH_CORPORA=manpages,wordnet,pydoc BENCH_DOCUMENTS=800 BENCH_QUERIES=300 node dist/bench/rankings.js
 *
 * Another model gets indices of its own: QUARRY_EMBEDDER_MODEL=all-minilm-l6-v2 BENCH_MODEL_SUFFIX=1
 * writes bench-<corpus>-all-minilm-l6-v2-* and rankings-<corpus>-all-minilm-l6-v2.json.
 *
 * Judged questions on indices already ingested (bench/heldout/run.sh makes them) are read the same
 * way, each set written to rankings-<name>.json. With BENCH_CEILING=1 each set's semantic list is
 * also set beside the model's exact whole-document ceiling on the same documents (each embedded
 * alone, as bench/semantic-ceiling.ts does for the corpora):
 *
 *   BENCH_CORPORA= BENCH_JUDGED=heldout-valgrind=bench/heldout/questions-valgrind.jsonl,heldout-man=bench/heldout/questions-man.jsonl \
 *     QUARRY_INDEX_PREFIX=heldout node dist/bench/rankings.js
 */
import {
  DocumentRepository,
  indexNames,
  SearchRepository,
  SearchService,
  setupIndices,
  type RankedDoc,
} from '@quarry/search';
import { readFileSync } from 'node:fs';
import type { Client } from '@elastic/elasticsearch';
import type { Embedder } from '@quarry/embeddings';
import { loadConfig } from '@quarry/config';
import { IngestService } from '@quarry/ingest';
import { buildCorpus, type CorpusName } from './corpus';
import { judgedScores, scorePair } from './judged';
import { runBenchmark } from './instance';
import { withSearchCore } from './search-core';
import { embedInRuns, rankExact, wholeDocumentText } from './exact';
import { round, table, writeResult } from './stats';

const corpora = (process.env.BENCH_CORPORA ?? 'manpages,wordnet,pydoc')
  .split(',')
  .filter(Boolean) as CorpusName[];
/** name=path pairs of judged question files (quarry eval's JSON lines), searched on QUARRY_INDEX_PREFIX's indices. */
const judged = (process.env.BENCH_JUDGED ?? '')
  .split(',')
  .filter(Boolean)
  .map((pair) => pair.split('=') as [string, string]);
const documentsPerCorpus = Number(process.env.BENCH_DOCUMENTS ?? 800);
const queriesPerCorpus = Number(process.env.BENCH_QUERIES ?? 300);
const modelSuffix = process.env.BENCH_MODEL_SUFFIX === '1';
const withCeiling = process.env.BENCH_CEILING === '1';

export interface QueryRankings {
  query: string;
  relevant: string[];
  lexical: RankedDoc[];
  semantic: RankedDoc[];
}

function main() {
  return withSearchCore(async ({ client, embedder }) => {
    for (const name of corpora) {
      const corpus = await buildCorpus(name, { documents: documentsPerCorpus, queries: queriesPerCorpus });
      const suffix = modelSuffix ? `-${embedder.model.id.replace(/^local:/, '')}` : '';
      const prefix = `bench-${name}${suffix}`;
      const indices = indexNames(prefix);
      await setupIndices(client, prefix, embedder);
      const count = (await client.count({ index: indices.docs })).count;
      if (count !== corpus.documents.length) {
        process.stdout.write(`${name}: indexing ${corpus.documents.length} documents (found ${count})\n`);
        const ingest = new IngestService(new DocumentRepository(client, indices.docs), embedder, indices);
        for (let i = 0; i < corpus.documents.length; i += 100)
          await ingest.ingest(corpus.documents.slice(i, i + 100), { wait: true });
        await client.indices.refresh({ index: [indices.docs, indices.vectors] });
      }
      const search = new SearchService(new SearchRepository(client, indices.docs), embedder, indices);
      const out: QueryRankings[] = [];
      for (const query of corpus.queries) {
        const lists = await search.rankings({ query: query.text }, {}, 100);
        out.push({ query: query.text, relevant: query.relevant, ...lists });
      }
      process.stdout.write(
        `${name}: ${out.length} queries -> ${writeResult(`rankings-${name}${suffix}`, out)}\n`,
      );
    }
    const indices = indexNames(loadConfig(process.env).indexPrefix);
    const ceilings: Record<string, string | number>[] = [];
    const search = new SearchService(new SearchRepository(client, indices.docs), embedder, indices);
    for (const [name, path] of judged) {
      const out: QueryRankings[] = [];
      const collections = new Set<string>();
      for (const line of readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l.trim())) {
        const question = JSON.parse(line) as { query: string; relevant: string[]; collection?: string };
        const lists = await search.rankings(
          { query: question.query, collection: question.collection },
          {},
          100,
        );
        out.push({ query: question.query, relevant: question.relevant, ...lists });
        if (question.collection) collections.add(question.collection);
      }
      process.stdout.write(`${name}: ${out.length} queries -> ${writeResult(`rankings-${name}`, out)}\n`);
      if (withCeiling)
        ceilings.push({
          set: name,
          ...(await againstCeiling(client, embedder, indices.docs, out, [...collections])),
        });
    }
    if (ceilings.length) process.stdout.write(`\n${table(ceilings)}\n`);
  });
}

/**
 * MRR@10 / nDCG@10 of the model's exact whole-document ranking (every document of the judged
 * questions' collections) against the semantic lists Quarry ranked for the same questions.
 */
async function againstCeiling(
  client: Client,
  embedder: Embedder,
  docsIndex: string,
  questions: QueryRankings[],
  collections: string[],
): Promise<Record<string, string | number>> {
  const response = await client.search<{ id: string; title?: string; body: string }>({
    index: docsIndex,
    size: 10_000,
    _source: ['id', 'title', 'body'],
    query: collections.length ? { terms: { collection: collections } } : { match_all: {} },
  });
  const documents = response.hits.hits.map((hit) => hit._source!);
  const vectors = await embedInRuns(
    documents.map(wholeDocumentText),
    (batch) => embedder.embedPassages(batch),
    `${documents.length} whole documents, one per run`,
    1,
  );
  const candidates = documents.map((d, i) => ({ id: d.id, vector: vectors[i] }));
  // Each query alone, as Quarry embeds it.
  const queryVectors = await embedInRuns(
    questions.map((q) => q.query),
    (batch) => embedder.embedQueries(batch),
    'questions',
    1,
  );
  const ceiling = judgedScores(questions, (_, i) => rankExact(queryVectors[i], candidates));
  const semantic = judgedScores(questions, (q) => q.semantic.map((d) => d.id));
  return {
    documents: documents.length,
    'ceiling MRR@10 / nDCG@10': scorePair(ceiling),
    'semantic MRR@10 / nDCG@10': scorePair(semantic),
    'gap (MRR@10)': round(semantic.mrr - ceiling.mrr, 3),
  };
}

runBenchmark(main);

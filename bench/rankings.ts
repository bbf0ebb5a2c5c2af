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
 * way, each set written to rankings-<name>.json:
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
import { loadConfig } from '@quarry/config';
import { IngestService } from '@quarry/ingest';
import { buildCorpus, type CorpusName } from './corpus';
import { runBenchmark } from './instance';
import { withSearchCore } from './search-core';
import { writeResult } from './stats';

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
    const search = new SearchService(new SearchRepository(client, indices.docs), embedder, indices);
    for (const [name, path] of judged) {
      const out: QueryRankings[] = [];
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
      }
      process.stdout.write(`${name}: ${out.length} queries -> ${writeResult(`rankings-${name}`, out)}\n`);
    }
  });
}

runBenchmark(main);

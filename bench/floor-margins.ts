/**
 * What the relevance floor (libs/search/src/relevance-floor.ts) does to queries that share no word
 * with the collection: for each bar, how many of WordNet's real words (whose definitions never
 * hold them) keep their hits, and how many generated gibberish queries get through, on the bench
 * indices of bench/semantic-ceiling.ts (build them first).
 *
 *   BENCH_CORPORA=wordnet,manpages,pydoc BENCH_DOCUMENTS=400 BENCH_QUERIES=200 node dist/bench/floor-margins.js
 */
import { indexNames, SearchRepository, SearchService } from '@quarry/search';
// The floor's own measures, which the library does not export.
import { centroidOf, semanticMargin } from '../libs/search/src/relevance-floor';
import { buildCorpus, type CorpusName } from './corpus';
import { runBenchmark } from './instance';
import { withSearchCore } from './search-core';
import { table } from './stats';

const corpora = (process.env.BENCH_CORPORA ?? 'wordnet,manpages,pydoc').split(',') as CorpusName[];
const documentsPerCorpus = Number(process.env.BENCH_DOCUMENTS ?? 400);
const queriesPerCorpus = Number(process.env.BENCH_QUERIES ?? 200);
const BARS = [0.065, 0.06, 0.055, 0.05, 0.045, 0.04];

/** 150 deterministic gibberish queries of 1-3 words: random letters, or pseudo-words of syllables. */
function gibberish(): string[] {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
  const syllables = [
    'bl',
    'or',
    'ft',
    'sn',
    'az',
    'zle',
    'wib',
    'ble',
    'flu',
    'rbo',
    'qu',
    'ix',
    'zor',
    'pla',
    'nk',
    'gro',
    'mph',
    'vel',
    'tor',
    'kin',
    'dri',
    'sna',
    'pe',
    'lo',
    'mu',
  ];
  const word = () =>
    random() < 0.5
      ? Array.from({ length: 4 + Math.floor(random() * 5) }, () => pick(letters)).join('')
      : Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(syllables)).join('');
  return Array.from({ length: 150 }, () =>
    Array.from({ length: 1 + Math.floor(random() * 3) }, word).join(' '),
  );
}

function main() {
  return withSearchCore(async ({ client, embedder }) => {
    const rows: Record<string, string>[] = [];
    for (const name of corpora) {
      const indices = indexNames(`bench-ceiling-${name}`);
      const repository = new SearchRepository(client, indices.docs);
      const search = new SearchService(repository, embedder, indices);
      const centroid = centroidOf(await repository.sampleVectors({}, 256));
      /** The margin of a query none of whose words the collection holds; null when one is held. */
      const margin = async (query: string) => {
        const lists = await search.rankings({ query }, {}, 100);
        if (lists.lexical.length) return null;
        const vector = await search.queryVector(query);
        const [best] = await repository.knnChunks(vector, {}, 10);
        return semanticMargin({ lexical: [], bestChunkScore: best?.score, query: vector, centroid }) ?? null;
      };
      const margins = async (queries: string[]) =>
        (await Promise.all(queries.map(margin))).filter((m): m is number => m !== null);
      const real =
        name === 'wordnet'
          ? await margins(
              (
                await buildCorpus(name, { documents: documentsPerCorpus, queries: queriesPerCorpus })
              ).queries.map((q) => q.text),
            )
          : [];
      const made = await margins(gibberish());
      for (const bar of BARS)
        rows.push({
          corpus: name,
          bar: String(bar),
          'real words kept': real.length ? `${real.filter((m) => m >= bar).length}/${real.length}` : '-',
          'gibberish through': `${made.filter((m) => m >= bar).length}/${made.length}`,
        });
    }
    process.stdout.write(`${table(rows)}\n`);
  });
}

runBenchmark(main);

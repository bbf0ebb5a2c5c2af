import { randomUUID } from 'node:crypto';
import { SingleBar, Presets } from 'cli-progress';
import { CLI_PRINCIPAL, type CommandScope } from './command.context';
import { INDEX_DOCUMENTS } from '@quarry/search';
import { readFileItems, type FileItem, type FileProgress } from './ingest-files';

export interface IngestCommandOptions {
  collection?: string;
  batch: number;
  wait: boolean;
}

type Line = { origin: string; outcome: 'indexed' | 'unchanged' | 'skipped' | 'failed'; detail?: string };

/** A file's document, ready to index. */
type DocumentItem = Extract<FileItem, { document: unknown }>;

/**
 * `quarry ingest PATH...`: every file is reported as indexed, unchanged, skipped (with the
 * reason) or failed (with the error); a run that skipped or failed anything says so and exits 1.
 * Files are read as they are indexed, `batch` documents at a time: a folder of thousands of
 * documents was read whole (every extracted text held in memory) before the first was indexed.
 */
export async function runIngestCommand(
  quarry: CommandScope,
  paths: string[],
  options: IngestCommandOptions,
  write: (text: string) => void = (text) => process.stdout.write(text),
  read: (
    target: string,
    collection?: string,
    progress?: FileProgress,
  ) => AsyncIterable<FileItem> = readFileItems,
): Promise<number> {
  const lines: Line[] = [];
  const bar = new SingleBar(
    { format: 'ingest [{bar}] {value}/{total} files | {eta_formatted} left', stream: process.stderr },
    Presets.shades_classic,
  );
  const counts = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
  let found = 0;
  // The run is a job like a source sync: stored with its counts and reasons, listed on /v1/jobs.
  const started = await quarry.ingestion.jobs.start(
    { kind: 'ingest', owner: 'cli', ...(options.collection ? { collection: options.collection } : {}) },
    async (job) => {
      const index = async (batch: DocumentItem[]) => {
        const result = await quarry.manager.handle({
          op: INDEX_DOCUMENTS,
          args: { documents: batch.map((d) => d.document), wait: options.wait },
          principal: CLI_PRINCIPAL,
          transport: 'cli',
          requestId: randomUUID(),
          signal: job.signal,
        });
        for (const item of result.items) {
          counts[item.status]++;
          const { origin, format } = batch[item.index];
          if (item.status === 'failed') {
            lines.push({ origin, outcome: 'failed', detail: item.error });
            job.fail({ item: origin, stage: 'index', reason: item.error ?? 'failed' });
            continue;
          }
          if (item.status === 'unchanged') job.count('unchanged');
          else {
            job.count('indexed');
            job.count('embedded');
            for (const stage of ['chunk', 'embed', 'index'] as const) job.advance(stage);
          }
          lines.push({
            origin,
            outcome: item.status === 'unchanged' ? 'unchanged' : 'indexed',
            detail: [format, item.chunks !== undefined ? `${item.chunks} chunks` : undefined, item.id]
              .filter(Boolean)
              .join(', '),
          });
        }
      };
      let files = 0;
      let filesRead = 0;
      bar.start(0, 0);
      const progress: FileProgress = {
        found: (count) => bar.setTotal((files += count)),
        read: () => bar.update(++filesRead),
      };
      let batch: DocumentItem[] = [];
      for (const target of paths)
        for await (const item of read(target, options.collection, progress)) {
          job.signal.throwIfAborted();
          found++;
          job.count('found');
          job.advance('fetch');
          if ('skipped' in item) {
            counts.skipped++;
            lines.push({ origin: item.origin, outcome: 'skipped', detail: item.skipped });
            job.fail({ item: item.origin, stage: 'extract', reason: item.skipped, skipped: true });
          } else {
            job.advance('extract');
            batch.push(item);
            if (batch.length >= options.batch) {
              await index(batch);
              batch = [];
            }
          }
        }
      if (batch.length) await index(batch);
    },
  );
  const finished = await quarry.ingestion.jobs.wait(started.id);
  bar.stop();
  for (const line of lines.sort((a, b) => a.origin.localeCompare(b.origin)))
    write(`${line.outcome.padEnd(9)} ${line.origin}${line.detail ? `: ${line.detail}` : ''}\n`);
  write(
    `created ${counts.created}, updated ${counts.updated}, unchanged ${counts.unchanged}, skipped ${counts.skipped}, failed ${counts.failed}\n`,
  );
  if (counts.skipped || counts.failed)
    write(
      `${counts.skipped + counts.failed} of ${found} not indexed: see the skipped and failed lines above\n`,
    );
  write(`job ${finished.id}: ${finished.status}${finished.error ? ` (${finished.error})` : ''}\n`);
  return counts.skipped || counts.failed || finished.status !== 'succeeded' ? 1 : 0;
}

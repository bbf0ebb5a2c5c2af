import { randomUUID } from 'node:crypto';
import { SingleBar, Presets } from 'cli-progress';
import { CLI_PRINCIPAL, type CommandScope } from './command.context';
import { INDEX_DOCUMENTS } from '@quarry/search';
import { readFileItems, type FileItem } from './ingest-files';

export interface IngestCommandOptions {
  collection?: string;
  batch: number;
  wait: boolean;
}

type Line = { origin: string; outcome: 'indexed' | 'unchanged' | 'skipped' | 'failed'; detail?: string };

/**
 * `quarry ingest PATH...`: every file is reported as indexed, unchanged, skipped (with the
 * reason) or failed (with the error); a run that skipped or failed anything says so and exits 1.
 */
export async function runIngestCommand(
  quarry: CommandScope,
  paths: string[],
  options: IngestCommandOptions,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const items: FileItem[] = [];
  for (const target of paths)
    for await (const item of readFileItems(target, options.collection)) items.push(item);
  const documents = items.filter((i): i is Extract<FileItem, { document: unknown }> => 'document' in i);
  const lines: Line[] = items
    .filter((i): i is Extract<FileItem, { skipped: string }> => 'skipped' in i)
    .map((i) => ({ origin: i.origin, outcome: 'skipped', detail: i.skipped }));
  const bar = new SingleBar(
    { format: 'ingest [{bar}] {value}/{total} docs | {eta_formatted} left', stream: process.stderr },
    Presets.shades_classic,
  );
  bar.start(documents.length, 0);
  const counts = { created: 0, updated: 0, unchanged: 0, skipped: lines.length, failed: 0 };
  // The run is a job like a source sync: stored with its counts and reasons, listed on /v1/jobs.
  const started = await quarry.ingestion.jobs.start(
    { kind: 'ingest', owner: 'cli', ...(options.collection ? { collection: options.collection } : {}) },
    async (job) => {
      job.count('found', items.length);
      job.advance('fetch', items.length);
      job.advance('extract', documents.length);
      for (const line of lines)
        job.fail({ item: line.origin, stage: 'extract', reason: line.detail ?? '', skipped: true });
      for (let i = 0; i < documents.length; i += options.batch) {
        const batch = documents.slice(i, i + options.batch);
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
        bar.update(Math.min(i + batch.length, documents.length));
      }
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
      `${counts.skipped + counts.failed} of ${items.length} not indexed: see the skipped and failed lines above\n`,
    );
  write(`job ${finished.id}: ${finished.status}${finished.error ? ` (${finished.error})` : ''}\n`);
  return counts.skipped || counts.failed || finished.status !== 'succeeded' ? 1 : 0;
}

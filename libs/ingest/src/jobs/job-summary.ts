import type { JobState } from './job.service';

/**
 * A job as people read it (the CLI's output, the text of the job tools' results): its status,
 * what it is, its counts, then skipped and failed items with their reasons — the first
 * `failures` of them (all by default).
 */
export function describeJob(job: JobState, failures = Infinity): string {
  const c = job.counts;
  const what = `${job.kind}${job.source ? ` of ${job.source}` : ''}${job.collection ? ` into ${job.collection}` : ''}`;
  const shown = job.failures.slice(0, failures);
  return [
    `job ${job.id}: ${job.status}`,
    `${what}, stage ${job.stage}`,
    `found ${c.found}, indexed ${c.indexed} (embedded ${c.embedded}), unchanged ${c.unchanged}, deleted ${c.deleted}, skipped ${c.skipped}, failed ${c.failed}`,
    ...shown.map((f) => `${(f.skipped ? 'skipped' : 'failed').padEnd(9)} ${f.item}: ${f.reason}`),
    ...(job.failures.length > shown.length ? [`… ${job.failures.length - shown.length} more`] : []),
    ...(job.error ? [`error: ${job.error}`] : []),
  ].join('\n');
}

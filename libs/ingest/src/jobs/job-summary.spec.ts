import { describeJob } from './job-summary';
import type { JobState } from './job.service';

const job: JobState = {
  id: 'j1',
  kind: 'sync',
  source: 'handbook',
  collection: 'docs',
  status: 'succeeded',
  stage: 'index',
  stages: { fetch: 3, extract: 3, chunk: 1, embed: 1, index: 1 },
  counts: { found: 3, unchanged: 0, indexed: 1, embedded: 1, skipped: 1, failed: 1, deleted: 0 },
  failures: [
    { item: 'logo.png', stage: 'extract', reason: 'PNG image (no text to index)', skipped: true },
    { item: 'broken.pdf', stage: 'extract', reason: 'not a PDF' },
  ],
  created_at: '2026-12-06T00:00:00Z',
  updated_at: '2026-12-06T00:00:01Z',
};

describe('describeJob', () => {
  it('says the status first, then what the job is, its counts and every item left out with its reason', () => {
    expect(describeJob(job).split('\n')).toEqual([
      'job j1: succeeded',
      'sync of handbook into docs, stage index',
      'found 3, indexed 1 (embedded 1), unchanged 0, deleted 0, skipped 1, failed 1',
      'skipped   logo.png: PNG image (no text to index)',
      'failed    broken.pdf: not a PDF',
    ]);
  });

  it('names only the first failures when asked, and how many more there are', () => {
    const lines = describeJob(job, 1).split('\n');
    expect(lines.slice(3)).toEqual(['skipped   logo.png: PNG image (no text to index)', '… 1 more']);
  });
});

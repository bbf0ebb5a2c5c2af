import type { EgressPolicy } from '@quarry/egress';
import type { IndexNames } from '@quarry/search';
import type { DocumentBrowser } from '../document.browser';
import type { IngestService } from '../ingest.service';
import { JobService, type JobState } from '../jobs/job.service';
import type { IngestMetaStore } from '../meta.store';
import { SourceService } from './source.service';

describe('SourceService: a sync resuming an interrupted one', () => {
  it('fails, saying why, when the record of the job it resumes cannot be read (its counts would be short)', async () => {
    const entries = new Map<string, unknown>([
      ['source:docs', { name: 'docs', type: 'directory', collection: 'docs', path: '/nowhere' }],
    ]);
    const store = {
      put: async (kind: string, name: string, definition: unknown) =>
        void entries.set(`${kind}:${name}`, definition),
      get: async (kind: string, name: string) => {
        // The dead job's record: Elasticsearch cannot answer for it just now.
        if (kind === 'job' && name === 'dead') throw new Error('no_shard_available_action_exception');
        return entries.get(`${kind}:${name}`);
      },
    } as unknown as IngestMetaStore;
    const browser = {
      all: async function* () {},
      refresh: async () => undefined,
    } as unknown as DocumentBrowser;
    const sources = new SourceService(
      store,
      new JobService(store),
      {} as IngestService,
      browser,
      { docs: 'docs', vectors: 'vectors' } as IndexNames,
      {} as EgressPolicy,
    );
    const done: JobState = await sources.sync('docs', true, 'owner', 'dead');
    expect(done).toMatchObject({
      status: 'failed',
      resumes: 'dead',
      error: 'no_shard_available_action_exception',
    });
  });
});

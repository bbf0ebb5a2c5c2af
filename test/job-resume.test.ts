import { Client } from '@elastic/elasticsearch';
import { EMBEDDER, type Embedder } from '@quarry/embeddings';
import {
  INGESTION,
  STALE_AFTER_MS,
  type Ingestion,
  type IngestMetaStore,
  type JobState,
} from '@quarry/ingest';
import { INDICES, type IndexNames } from '@quarry/search';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunningServer } from '../apps/server/src/server';
import { gql } from './support/graphql';
import { call } from './support/http';
import { startServerWithoutModel } from './support/server';
import { dropIndices, eventually, testConfig } from './support/test-env';

const FILES = 120;
/** The dying instance embeds this many texts (the first batch of its sync), then never answers again. */
const EMBEDDED_BEFORE_DEATH = 50;

/**
 * Makes an in-process instance die the way a killed process does, from the job's point of view: from
 * the embedding call that reaches EMBEDDED_BEFORE_DEATH texts on, nothing it does reaches the job
 * records (no progress, no heartbeat, no final state), so the counts of that last batch are never
 * saved although its documents are written; at the next call its job stops progressing for good.
 */
function dieWhileEmbedding(server: RunningServer): { died: Promise<void>; release(): void } {
  const embedder = server.app.get<Embedder>(EMBEDDER);
  const store = (server.app.get<Ingestion>(INGESTION).jobs as unknown as { store: IngestMetaStore }).store;
  const original = embedder.embedPassages.bind(embedder);
  const put = store.put.bind(store) as (...args: unknown[]) => Promise<void>;
  const hung: (() => void)[] = [];
  let embedded = 0;
  let announce!: () => void;
  const died = new Promise<void>((resolve) => (announce = resolve));
  embedder.embedPassages = (texts, signal) => {
    if (embedded < EMBEDDED_BEFORE_DEATH) {
      embedded += texts.length;
      if (embedded >= EMBEDDED_BEFORE_DEATH)
        store.put = ((kind: string, ...rest: unknown[]) =>
          kind === 'job'
            ? Promise.reject(new Error('the instance is gone'))
            : put(kind, ...rest)) as typeof store.put;
      return original(texts, signal);
    }
    announce();
    return new Promise((_resolve, reject) => {
      const stop = () => reject(new Error('the instance is gone'));
      hung.push(stop);
      signal?.addEventListener('abort', stop);
    });
  };
  return { died, release: () => hung.forEach((stop) => stop()) };
}

describe('a sync whose instance dies is resumed elsewhere with counts that add up (issue 23)', () => {
  const config = testConfig();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-job-resume-'));
  let dying: RunningServer;
  let survivor: RunningServer;

  beforeAll(async () => {
    for (let i = 0; i < FILES; i++)
      fs.writeFileSync(
        path.join(folder, `note-${String(i).padStart(3, '0')}.md`),
        `# Note ${i}\n\nField report number ${i} about the pump station.\n`,
      );
    // Two instances on the same indices and Redis, as on a cluster.
    dying = await startServerWithoutModel(config);
    survivor = await startServerWithoutModel(config);
  }, 60_000);

  afterAll(async () => {
    await dying?.close();
    await survivor?.close();
    await dropIndices(config.indexPrefix);
    fs.rmSync(folder, { recursive: true, force: true });
  }, 60_000);

  it('counts every file once: found = indexed = documents in the index, the dead instance’s part included', async () => {
    const death = dieWhileEmbedding(dying);
    await call(dying.url, 'POST', '/v1/sources', {
      name: 'reports',
      type: 'directory',
      collection: 'reports',
      path: folder,
    });
    const started = (await call(dying.url, 'POST', '/v1/sources/reports/sync')).body as JobState;
    await death.died;

    const elasticsearch = survivor.app.get(Client);
    const indices = survivor.app.get<IndexNames>(INDICES);
    const documents = async (query: Record<string, unknown>) => {
      await elasticsearch.indices.refresh({ index: indices.docs });
      return (await elasticsearch.count({ index: indices.docs, query })).count;
    };
    // The collection was empty: what it holds now, the dead instance wrote.
    const writtenByTheDead = await documents({ term: { collection: 'reports' } });
    // The dead instance wrote part of the folder before it died, and its record still says running.
    expect(writtenByTheDead).toBeGreaterThan(0);
    expect(writtenByTheDead).toBeLessThan(FILES);
    expect((await call(survivor.url, 'GET', `/v1/jobs/${started.id}`)).body.status).toBe('running');

    // The survivor's scheduler, once the dead job's heartbeat is stale, takes it over.
    const scheduler = survivor.app.get<Ingestion>(INGESTION).scheduler!;
    const [resumed] = await scheduler.tick(Date.now() + STALE_AFTER_MS + 1_000);
    expect(resumed).toMatchObject({ resumes: started.id });
    const done = await survivor.app.get<Ingestion>(INGESTION).jobs.wait(resumed.id);

    expect(done.status).toBe('succeeded');
    // The whole sync's counts: every file found once, and every one of them written by this sync
    // (the folder was new), part of it by the instance that died.
    expect(done.counts).toEqual({
      found: FILES,
      unchanged: 0,
      indexed: FILES,
      embedded: FILES,
      skipped: 0,
      failed: 0,
      deleted: 0,
    });
    expect(done.inherited).toEqual({ indexed: writtenByTheDead, embedded: writtenByTheDead, deleted: 0 });
    const { found, unchanged, indexed, skipped, failed } = done.counts;
    expect(indexed + unchanged + skipped + failed).toBe(found);
    expect(await documents({ term: { collection: 'reports' } })).toBe(indexed);
    // Each document names the job that wrote it: that is how the survivor told the dead one's work.
    expect(await documents({ term: { 'metadata.quarry_job': started.id } })).toBe(writtenByTheDead);

    // What any instance reads back is that record, and the dead job names its successor.
    expect((await call(dying.url, 'GET', `/v1/jobs/${resumed.id}`)).body).toMatchObject({
      status: 'succeeded',
      counts: done.counts,
      inherited: done.inherited,
    });
    const dead = await eventually(
      async () => (await call(survivor.url, 'GET', `/v1/jobs/${started.id}`)).body,
      (job) => job.status === 'interrupted',
    );
    expect(dead.resumedBy).toBe(resumed.id);
    // Its record says what it did, the documents written after its last saved count included.
    expect(dead.counts).toMatchObject({ indexed: writtenByTheDead, embedded: writtenByTheDead });
    const graphql = await gql(
      survivor.url,
      `query ($id: ID!) { job(id: $id) { status resumes counts { found indexed unchanged } inherited { indexed } } }`,
      { id: resumed.id },
    );
    expect(graphql.body).toEqual({
      data: {
        job: {
          status: 'succeeded',
          resumes: started.id,
          counts: { found: FILES, indexed: FILES, unchanged: 0 },
          inherited: { indexed: writtenByTheDead },
        },
      },
    });

    // The next sync finds everything unchanged: the documents the dead job wrote are not its own work.
    const again = (await call(survivor.url, 'POST', '/v1/sources/reports/sync?wait=true')).body as JobState;
    expect(again.counts).toMatchObject({ found: FILES, unchanged: FILES, indexed: 0 });
    expect(again.inherited).toBeUndefined();

    // The dead instance's job, when its process finally stops, does not overwrite the record.
    death.release();
    await dying.close();
    expect((await call(survivor.url, 'GET', `/v1/jobs/${started.id}`)).body.status).toBe('interrupted');
  }, 90_000);
});

import { LiveQueryService } from '@quarry/live';
import { randomUUID } from 'node:crypto';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { gql, Recording, wsClient } from '../support/graphql';
import { dropIndices, eventually, testConfig } from '../support/test-env';

const KEYS = 'owner-writer-01:writer,other-writer-01:writer,the-admin-key-01:admin';
const PROGRESS = `subscription($jobId: ID!) { ingestProgress(jobId: $jobId) { done finished } }`;

// Another principal guesses (or reads in a log) a job id and follows someone else's ingest.
describe('ingest progress is only for the principal that started the job (and admins)', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig({ QUARRY_API_KEYS: KEYS }));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  it("does not deliver another principal's job to a subscriber", async () => {
    const jobId = `job-${randomUUID()}`;
    const clients = ['owner-writer-01', 'other-writer-01', 'the-admin-key-01'].map((key) =>
      wsClient(server.url, { authorization: `Bearer ${key}` }),
    );
    const [owner, other, admin] = clients.map((client) => new Recording(client, PROGRESS, { jobId }));
    try {
      await eventually(
        async () => server.app.get(LiveQueryService).stats().watchers,
        (n) => n === 3,
      );
      const response = await gql(
        server.url,
        `mutation($docs: [DocumentInput!]!, $jobId: ID) { indexDocuments(documents: $docs, jobId: $jobId) { indexed } }`,
        { docs: [{ id: 'job-doc', body: 'A document of a job.' }], jobId },
        { authorization: 'Bearer owner-writer-01' },
      );
      expect(response.body.data.indexDocuments.indexed).toBe(1);
      // Every watcher of this instance is offered each event in one pass: once the owner and the
      // admin have the final report, the other principal has had its chance too.
      await eventually(
        async () => owner.completed && admin.completed,
        (done) => done,
      );
      expect(owner.events.at(-1)).toEqual({ done: 1, finished: true });
      expect(admin.events.at(-1)).toEqual({ done: 1, finished: true });
      expect(other.events).toEqual([]);
    } finally {
      for (const client of clients) await client.dispose();
    }
  });
});

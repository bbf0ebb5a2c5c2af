import { Client } from '@elastic/elasticsearch';
import { ConflictError } from '@quarry/core';
import { createLogger } from '@quarry/observability';
import { ReindexCommandModule, withContext } from '../apps/cli/src/command.context';
import { EMBEDDER, type Embedder } from '@quarry/embeddings';
import { EmbeddingReindexer, INDICES, wholeDocumentText, type IndexNames } from '@quarry/search';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { gql } from './support/graphql';
import { call } from './support/http';
import { dropIndices, eventually, testConfig } from './support/test-env';

const TOPICS = [
  ['Disk full on database hosts', 'Rotate the logs and delete old snapshots when the disks run full.'],
  [
    'Renewing TLS certificates',
    'Renew certificates with the ACME client before they expire, then reload the proxy.',
  ],
  ['Parental leave policy', 'Parents may take sixteen weeks of paid leave to care for a newborn child.'],
  ['Travel expenses', 'Book flights in economy class; hotels are reimbursed up to the city limit.'],
];
const documents = Array.from({ length: 40 }, (_, i) => ({
  id: `doc-${i}`,
  collection: 'reindex',
  title: `${TOPICS[i % 4][0]} (${i})`,
  body: `${TOPICS[i % 4][1]} Note ${i}: ${'more words about the same topic. '.repeat(3)}`,
}));

/** A document of several chunks: its first chunk also carries the document embedded whole. */
const manual = {
  id: 'manual',
  collection: 'reindex',
  title: 'Operations manual',
  body: Array.from(
    { length: 60 },
    (_, i) => `Step ${i}: check the disks, rotate the logs and renew the certificates before they expire.`,
  ).join(' '),
};

const vectorsIndexOf = async (server: RunningServer) =>
  Object.keys(
    await server.app.get(Client).indices.getAlias({ name: server.app.get<IndexNames>(INDICES).vectors }),
  );

describe('re-embedding the vector index (POST /v1/reindex, quarry reindex --embeddings)', () => {
  const config = testConfig();
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(config);
    const response = await call(server.url, 'POST', '/v1/documents?wait=true', [...documents, manual]);
    expect(response.status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(config.indexPrefix);
  });

  it('re-embeds into a new index as a job, swaps the alias, and searches keep working meanwhile', async () => {
    const [before] = await vectorsIndexOf(server);
    const chunks = (await server.app.get(Client).count({ index: before })).count;
    const started = await call(server.url, 'POST', '/v1/reindex', {});
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ status: 'running', progress: { phase: 'embedding' } });
    const jobId = started.body.id as string;

    // Searches, and one ingest, while the job runs.
    const outcomes: { status: number; hits: number }[] = [];
    let job = started.body;
    const late = {
      id: 'late-doc',
      collection: 'reindex',
      title: 'Written during the re-embedding',
      body: 'Backups run nightly.',
    };
    const ingestDuring = call(server.url, 'POST', '/v1/documents?wait=true', [late]);
    while (job.status === 'running') {
      const found = await call(server.url, 'POST', '/v1/search', {
        query: `certificates expire ${outcomes.length}`,
        mode: 'semantic',
        size: 3,
      });
      outcomes.push({ status: found.status, hits: found.body?.hits?.length ?? 0 });
      job = (await call(server.url, 'GET', `/v1/reindex/${jobId}`)).body;
    }
    expect((await ingestDuring).status).toBe(200);
    expect(job).toMatchObject({ status: 'succeeded', progress: { phase: 'done' } });
    // The late document may land before the job counts the chunks, or be caught up after the swap.
    expect(job.result.chunks).toBeGreaterThanOrEqual(chunks);
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.status !== 200 || o.hits === 0)).toEqual([]);

    const [after] = await vectorsIndexOf(server);
    expect(after).toBe(job.result.to);
    expect(after).not.toBe(before);
    expect(await server.app.get(Client).indices.exists({ index: before })).toBe(false);
    const mapping = await server.app.get(Client).indices.getMapping({ index: after });
    expect(mapping[after].mappings._meta).toMatchObject({ embedder: 'local:e5-small-v2', dims: 384 });
    // Every chunk is there, including those of the document written while the job ran.
    await server.app.get(Client).indices.refresh({ index: after });
    const lateChunks = await server.app.get(Client).count({
      index: after,
      query: { term: { doc_id: 'late-doc' } },
    });
    expect(lateChunks.count).toBeGreaterThan(0);
    expect((await server.app.get(Client).count({ index: after })).count).toBe(chunks + lateChunks.count);
    // The document of several chunks is embedded whole again, onto its first chunk only.
    const manualChunks = await server.app
      .get(Client)
      .search<{ chunk_no: number; document_embedding?: number[] }>({
        index: after,
        query: { term: { doc_id: 'manual' } },
        sort: [{ chunk_no: 'asc' }],
        _source: ['chunk_no', 'document_embedding'],
      });
    const stored = manualChunks.hits.hits.map((hit) => hit._source!);
    expect(stored.length).toBeGreaterThan(1);
    expect(stored.slice(1).filter((chunk) => chunk.document_embedding)).toEqual([]);
    const [whole] = await server.app
      .get<Embedder>(EMBEDDER)
      .embedPassages([wholeDocumentText(manual.title, manual.body)]);
    const cosine = stored[0].document_embedding!.reduce((sum, x, i) => sum + x * whole[i], 0);
    expect(cosine).toBeGreaterThan(0.99);
    const found = await call(server.url, 'POST', '/v1/search', {
      query: 'renew the TLS certificate',
      mode: 'semantic',
      size: 1,
    });
    expect(found.body.hits[0].title).toMatch(/^Renewing TLS certificates/);
  }, 300_000);

  it('a second job while one runs is refused; an unknown job is 404', async () => {
    const first = await call(server.url, 'POST', '/v1/reindex', {});
    const second = await call(server.url, 'POST', '/v1/reindex', {});
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(/still running/);
    expect((await call(server.url, 'GET', '/v1/reindex/00000000-0000-4000-8000-000000000000')).status).toBe(
      404,
    );
    await eventually(
      async () => (await call(server.url, 'GET', `/v1/reindex/${first.body.id}`)).body.status,
      (status) => status !== 'running',
      240_000,
    );
  }, 300_000);

  it('runs as a GraphQL mutation too, and its job is readable by id', async () => {
    const started = await gql(
      server.url,
      'mutation { reindexEmbeddings(wait: true) { id status phase chunks total result } }',
    );
    expect(started.body.errors).toBeUndefined();
    const job = started.body.data.reindexEmbeddings;
    expect(job).toMatchObject({ status: 'succeeded', phase: 'done' });
    expect(job.result).toMatchObject({ model: 'local:e5-small-v2' });
    const read = await gql(server.url, `{ reindexJob(id: "${job.id}") { id status chunks total } }`);
    expect(read.body.data.reindexJob).toMatchObject({ id: job.id, status: 'succeeded', chunks: job.total });
  }, 300_000);

  it('start-up refuses vectors of another model until `quarry reindex --embeddings` re-embeds them', async () => {
    const client = server.app.get(Client);
    const [index] = await vectorsIndexOf(server);
    // As if the chunks had been written by all-MiniLM-L6-v2.
    await client.indices.putMapping({
      index,
      _meta: {
        embedder: 'local:all-minilm-l6-v2',
        dims: 384,
        pooling: 'mean',
        query_prefix: '',
        passage_prefix: '',
      },
    });
    const logger = createLogger('silent');
    const refused = startServer(config);
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(startServer(config)).rejects.toThrow(
      /embedded with "local:all-minilm-l6-v2" .*model: "local:all-minilm-l6-v2" -> "local:e5-small-v2"; query prefix: "" -> "query: "; passage prefix: "" -> "passage: ".*quarry reindex --embeddings/,
    );

    // What the CLI does: boot despite the mismatch, re-embed, swap.
    const result = await withContext(
      config,
      logger,
      (connected) => ReindexCommandModule.forRoot(connected, logger),
      (app) =>
        new EmbeddingReindexer(
          app.get(Client),
          app.get<IndexNames>(INDICES),
          app.get<Embedder>(EMBEDDER),
        ).run(),
    );
    expect(result).toMatchObject({ from: index, model: 'local:e5-small-v2' });
    const restarted = await startServer(config);
    await restarted.close();
  }, 300_000);
});

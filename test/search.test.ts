import { INDICES, type IndexNames } from '@quarry/search';
import { Client } from '@elastic/elasticsearch';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { call } from './support/http';
import { dropIndices, testConfig } from './support/test-env';

const docs = [
  {
    id: 'runbook-disk',
    collection: 'runbooks',
    title: 'Disk full on database hosts',
    body: 'When the disks of a database host are running full, rotate the logs and delete old snapshots. Check the volume with df.',
    tags: ['ops', 'storage'],
    metadata: { team: 'sre', severity: 2 },
  },
  {
    id: 'runbook-cert',
    collection: 'runbooks',
    title: 'Renewing TLS certificates',
    body: 'Certificates expire after ninety days. Renew them with the ACME client before they lapse, then reload the proxy.',
    tags: ['ops', 'security'],
    metadata: { team: 'platform', severity: 1 },
  },
  {
    id: 'policy-leave',
    collection: 'hr',
    title: 'Parental leave policy',
    body: 'Employees who become parents may take sixteen weeks of paid leave to care for a newborn or adopted child.',
    tags: ['policy'],
    metadata: { team: 'people' },
  },
  {
    id: 'policy-travel',
    collection: 'hr',
    title: 'Travel expenses',
    body: 'Book flights in economy class. Hotel costs are reimbursed up to the city limit when receipts are submitted.',
    tags: ['policy', 'finance'],
    metadata: { team: 'finance' },
  },
];

describe('search core through REST (real Elasticsearch, Redis and embedder)', () => {
  let server: RunningServer;
  let base: string;

  beforeAll(async () => {
    server = await startServer(testConfig());
    base = server.url;
    const response = await call(base, 'POST', '/v1/documents?wait=true', docs);
    expect(response.status).toBe(200);
    expect(response.body.items.map((i: { status: string }) => i.status)).toEqual([
      'created',
      'created',
      'created',
      'created',
    ]);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(server.config.indexPrefix);
  });

  const search = (input: object) => call(base, 'POST', '/v1/search', input);
  const chunkIds = async (docId: string) => {
    const response = await server.app.get(Client).search<{ chunk_no: number }>({
      index: server.app.get<IndexNames>(INDICES).vectors,
      query: { term: { doc_id: docId } },
      size: 1000,
    });
    return response.hits.hits.map((h) => h._id).sort();
  };

  it('gets a document back by id with its full body', async () => {
    const response = await call(base, 'GET', '/v1/documents/runbook-disk');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: 'runbook-disk',
      collection: 'runbooks',
      body: docs[0].body,
      tags: ['ops', 'storage'],
    });
    expect(response.body.embedding_hash).toBeUndefined();
  });

  it.each(['lexical', 'semantic', 'hybrid'])('finds the right document first in %s mode', async (mode) => {
    const response = await search({ query: 'disk is full on the database server', mode });
    expect(response.status).toBe(200);
    expect(response.body.mode).toBe(mode);
    expect(response.body.hits[0]).toMatchObject({
      id: 'runbook-disk',
      collection: 'runbooks',
      title: docs[0].title,
    });
    expect(response.body.hits[0].snippet.length).toBeGreaterThan(0);
    expect(typeof response.body.tookMs).toBe('number');
  });

  it('finds by meaning when the words differ (semantic)', async () => {
    const response = await search({ query: 'time off after having a baby', mode: 'semantic', size: 1 });
    expect(response.body.hits.map((h: { id: string }) => h.id)).toEqual(['policy-leave']);
  });

  it('highlights matched words in lexical mode', async () => {
    const response = await search({ query: 'certificates', mode: 'lexical' });
    expect(response.body.hits[0].id).toBe('runbook-cert');
    expect(response.body.hits[0].highlights.join(' ')).toMatch(/<em>Certificates<\/em>/);
  });

  it('scopes by @collection words and by the collection field, in every mode', async () => {
    for (const mode of ['lexical', 'semantic', 'hybrid']) {
      const scoped = await search({ query: '@hr leave policy', mode });
      expect(scoped.status).toBe(200);
      expect(scoped.body.hits.length).toBeGreaterThan(0);
      expect(scoped.body.hits.every((h: { collection: string }) => h.collection === 'hr')).toBe(true);
      const field = await search({ query: 'certificates renew', mode, collection: ['hr'] });
      expect(field.body.hits.every((h: { collection: string }) => h.collection === 'hr')).toBe(true);
    }
  });

  it('filters by tags, metadata and dates', async () => {
    const byTag = await search({ query: 'policy', mode: 'hybrid', tags: ['finance'] });
    expect(byTag.body.hits.map((h: { id: string }) => h.id)).toEqual(['policy-travel']);
    const byMeta = await search({
      query: 'ops',
      mode: 'semantic',
      filters: { metadata: { team: ['sre', 'people'] } },
    });
    expect(byMeta.body.hits.map((h: { id: string }) => h.id).sort()).toEqual([
      'policy-leave',
      'runbook-disk',
    ]);
    const future = await search({
      query: 'disk',
      mode: 'lexical',
      filters: { createdAfter: '2999-01-01T00:00:00Z' },
    });
    expect(future.body.hits).toEqual([]);
  });

  it('counts facets by collection and tag', async () => {
    const response = await search({ query: '@runbooks @hr', mode: 'lexical' });
    expect(response.body.total).toBe(4);
    const collections = Object.fromEntries(
      response.body.facets.collection.map((b: { value: string; count: number }) => [b.value, b.count]),
    );
    const tags = Object.fromEntries(
      response.body.facets.tags.map((b: { value: string; count: number }) => [b.value, b.count]),
    );
    expect(collections).toEqual({ runbooks: 2, hr: 2 });
    expect(tags).toMatchObject({ ops: 2, policy: 2, storage: 1, security: 1, finance: 1 });
  });

  it('paginates with from and size', async () => {
    const all = await search({ query: 'the', mode: 'semantic', size: 4 });
    const second = await search({ query: 'the', mode: 'semantic', size: 2, from: 2 });
    expect(second.body.hits.map((h: { id: string }) => h.id)).toEqual(
      all.body.hits.slice(2, 4).map((h: { id: string }) => h.id),
    );
  });

  it('lists collections with counts', async () => {
    const response = await call(base, 'GET', '/v1/collections');
    expect(response.body.collections).toEqual([
      { name: 'hr', documents: 2 },
      { name: 'runbooks', documents: 2 },
    ]);
  });

  it('replaces a re-ingested document and its chunks, leaving no orphans', async () => {
    const longBody = Array.from(
      { length: 40 },
      (_, i) => `Step ${i + 1}: check the storage volume number ${i} and rotate its logs.`,
    ).join(' ');
    const first = await call(base, 'POST', '/v1/documents?wait=true', [{ ...docs[0], body: longBody }]);
    expect(first.body.items[0]).toMatchObject({ id: 'runbook-disk', status: 'updated' });
    const longChunks = first.body.items[0].chunks as number;
    expect(longChunks).toBeGreaterThan(2);
    expect(await chunkIds('runbook-disk')).toHaveLength(longChunks);

    const second = await call(base, 'POST', '/v1/documents?wait=true', [docs[0]]);
    expect(second.body.items[0]).toMatchObject({ status: 'updated', chunks: 1 });
    expect(await chunkIds('runbook-disk')).toEqual(['runbook-disk#0']);

    const again = await call(base, 'POST', '/v1/documents?wait=true', [docs[0]]);
    expect(again.body.items[0].status).toBe('unchanged');
  });

  it('indexes the good documents of a bulk and names the bad one and its field', async () => {
    const response = await call(base, 'POST', '/v1/documents?wait=true', [
      { id: 'bulk-ok-1', body: 'First good document about gardening.' },
      { id: 'bulk-bad', body: '', tags: 'not-a-list' },
      { id: 'bulk-ok-2', body: 'Second good document about cooking.' },
    ]);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ indexed: 2, failed: 1 });
    const bad = response.body.items[1];
    expect(bad).toMatchObject({ index: 1, id: 'bulk-bad', status: 'failed' });
    expect([...new Set(bad.problems.map((p: { field: string }) => p.field))].sort()).toEqual([
      'body',
      'tags',
    ]);
    expect((await call(base, 'GET', '/v1/documents/bulk-ok-2')).status).toBe(200);
    expect((await call(base, 'GET', '/v1/documents/bulk-bad')).status).toBe(404);
  });

  it('deletes a document and its chunks', async () => {
    await call(base, 'POST', '/v1/documents?wait=true', [
      { id: 'to-delete', body: 'Temporary note about the weather.' },
    ]);
    expect(await chunkIds('to-delete')).toEqual(['to-delete#0']);
    const deleted = await call(base, 'DELETE', '/v1/documents/to-delete?wait=true');
    expect(deleted).toMatchObject({ status: 200, body: { id: 'to-delete', deleted: true } });
    expect((await call(base, 'GET', '/v1/documents/to-delete')).status).toBe(404);
    expect(await chunkIds('to-delete')).toEqual([]);
    expect((await call(base, 'DELETE', '/v1/documents/to-delete')).status).toBe(404);
  });

  it('rejects bad input with 400 naming the field, never a 500', async () => {
    const tooBig = await search({ query: 'x', size: 500 });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.problems).toEqual([
      { field: 'size', reason: 'size must not be greater than 100' },
    ]);
    const badMode = await search({ query: 'x', mode: 'fuzzy' });
    expect(badMode.status).toBe(400);
    expect(badMode.body.error.problems[0].field).toBe('mode');
    const unknown = await search({ query: 'x', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.problems[0]).toEqual({
      field: 'colour',
      reason: 'property colour should not exist',
    });
    const malformed = await call(base, 'POST', '/v1/search', '{"query": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid');
    const missing = await call(base, 'GET', '/v1/documents/does-not-exist');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('document "does-not-exist" not found');
    // One document alone is accepted (as if wrapped in an array); documents of another shape are not.
    const notArray = await call(base, 'POST', '/v1/documents', { documents: 'x' });
    expect(notArray.status).toBe(400);
    expect(notArray.body.error.problems[0].field).toBe('documents');
  });

  it('publishes an OpenAPI document generated from the DTOs', async () => {
    const response = await call(base, 'GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining(['/v1/search', '/v1/documents', '/v1/documents/{id}', '/v1/collections']),
    );
    expect(response.body.components.schemas.SearchInput.properties.size).toMatchObject({ maximum: 100 });
  });
});

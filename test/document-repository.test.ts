import {
  chunkId,
  createElasticsearchClient,
  DocumentRepository,
  indexNames,
  setupIndices,
  type StoredDocument,
} from '@quarry/search';
import { dropIndices, servicesFromSetup, uniquePrefix } from './support/test-env';

const model = {
  id: 'local:e5-small-v2',
  dims: 384,
  pooling: 'mean' as const,
  queryPrefix: 'query: ',
  passagePrefix: 'passage: ',
};

function document(fields: Partial<StoredDocument> = {}): StoredDocument {
  const now = new Date().toISOString();
  return {
    id: 'doc-1',
    collection: 'ops',
    body: 'Disks fill up. Rotate the logs. Page the on-call.',
    tags: [],
    metadata: {},
    created_at: now,
    updated_at: now,
    content_hash: 'h1',
    ...fields,
  };
}

const vector = (seed: number) => Array.from({ length: model.dims }, (_, i) => ((i + seed) % 7) - 3);
const chunk = (text: string, seed: number) => ({
  text,
  location: { lines: [1, 1] as [number, number] },
  vector: vector(seed),
});

/** The document repository writes documents with their chunks in domain terms; here against the real node. */
describe('DocumentRepository writes and deletes documents with their chunks (real Elasticsearch)', () => {
  const prefix = uniquePrefix();
  const names = indexNames(prefix);
  const client = createElasticsearchClient(servicesFromSetup().elasticsearchUrl, 10_000);
  const repository = new DocumentRepository(client, names.docs, names.vectors);

  const chunksOf = async (id: string) => {
    await client.indices.refresh({ index: names.vectors });
    const response = await client.search<{
      chunk_no: number;
      text: string;
      collection: string;
      tags: string[];
    }>({
      index: names.vectors,
      query: { term: { doc_id: id } },
      sort: [{ chunk_no: 'asc' }],
    });
    return response.hits.hits.map((hit) => ({ id: hit._id, ...hit._source! }));
  };

  beforeAll(async () => {
    await setupIndices(client, prefix, { model });
  });

  afterAll(async () => {
    await dropIndices(prefix);
    await client.close();
  });

  it('replaces chunks, deletes the surplus, and lends new fields to kept chunks', async () => {
    const failures = await repository.writeDocuments(
      [
        {
          document: document({ chunk_count: 3 }),
          chunks: [chunk('Disks fill up.', 1), chunk('Rotate the logs.', 2), chunk('Page the on-call.', 3)],
          previousChunkCount: 0,
        },
      ],
      { wait: true },
    );
    expect(failures.size).toBe(0);
    expect((await chunksOf('doc-1')).map((c) => c.id)).toEqual([0, 1, 2].map((n) => chunkId('doc-1', n)));
    expect(await repository.existing(['doc-1', 'absent'])).toEqual(
      new Map([['doc-1', expect.objectContaining({ collection: 'ops', chunk_count: 3 })]]),
    );

    await repository.writeDocuments(
      [
        {
          document: document({ body: 'Disks fill up.', chunk_count: 1, content_hash: 'h2' }),
          chunks: [chunk('Disks fill up.', 4)],
          previousChunkCount: 3,
        },
      ],
      { wait: true },
    );
    expect((await chunksOf('doc-1')).map((c) => c.text)).toEqual(['Disks fill up.']);

    await repository.writeDocuments(
      [
        {
          document: document({
            body: 'Disks fill up.',
            collection: 'archive',
            tags: ['old'],
            chunk_count: 1,
          }),
          previousChunkCount: 1,
        },
      ],
      { wait: true },
    );
    expect(await chunksOf('doc-1')).toEqual([
      expect.objectContaining({ text: 'Disks fill up.', collection: 'archive', tags: ['old'] }),
    ]);
  });

  it('reports what Elasticsearch refused by document, and writes the others', async () => {
    const failures = await repository.writeDocuments(
      [
        { document: document({ id: 'bad', created_at: 'not a date' }), previousChunkCount: 0 },
        { document: document({ id: 'good' }), chunks: [chunk('Fine.', 5)], previousChunkCount: 0 },
      ],
      { wait: true },
    );
    expect([...failures.keys()]).toEqual(['bad']);
    expect(failures.get('bad')![0]).toContain('index bad');
    expect([...(await repository.existing(['bad', 'good'])).keys()]).toEqual(['good']);
  });

  it('deletes documents with all their chunks; what is already gone is no failure', async () => {
    const failures = await repository.deleteDocuments(
      [
        { id: 'good', chunkCount: 1 },
        { id: 'never-there', chunkCount: 2 },
      ],
      { wait: true },
    );
    expect(failures.size).toBe(0);
    expect(await repository.existing(['good'])).toEqual(new Map());
    expect(await chunksOf('good')).toEqual([]);
  });
});

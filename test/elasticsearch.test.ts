import { createElasticsearchClient, DocumentRepository, indexNames, setupIndices } from '@quarry/search';
import { dropIndices, servicesFromSetup, uniquePrefix } from './support/test-env';

const embedder = { id: 'local:use-lite-512', dims: 512 };

describe('Elasticsearch repository and index setup (real node)', () => {
  const prefix = uniquePrefix();
  const client = createElasticsearchClient(servicesFromSetup().elasticsearchUrl, 10_000);

  afterAll(async () => {
    await dropIndices(prefix);
    await client.close();
  });

  it('talks to a real Elasticsearch 8 node', async () => {
    const info = await client.info();
    expect(info.version.number).toMatch(/^8\./);
  });

  it('creates templates, versioned indices and aliases, idempotently', async () => {
    const first = await setupIndices(client, prefix, embedder);
    expect(first.map((r) => [r.alias, r.index, r.action])).toEqual([
      [`${prefix}-docs`, `${prefix}-docs-v1`, 'created'],
      [`${prefix}-vectors`, `${prefix}-vectors-v1`, 'created'],
      [`${prefix}-meta`, `${prefix}-meta-v1`, 'created'],
      [`${prefix}-live`, `${prefix}-live-v1`, 'created'],
      [`${prefix}-audit`, `${prefix}-audit-v1`, 'created'],
    ]);
    const mappingBefore = await client.indices.getMapping({ index: `${prefix}-*` });

    const second = await setupIndices(client, prefix, embedder);
    expect(second.map((r) => r.action)).toEqual(['exists', 'exists', 'exists', 'exists', 'exists']);
    expect(await client.indices.getMapping({ index: `${prefix}-*` })).toEqual(mappingBefore);

    const vectors = mappingBefore[`${prefix}-vectors-v1`].mappings;
    expect(vectors.properties?.embedding).toMatchObject({
      type: 'dense_vector',
      dims: 512,
      similarity: 'cosine',
    });
    expect(vectors._meta).toEqual({ embedder: 'local:use-lite-512', dims: 512 });
    const docs = mappingBefore[`${prefix}-docs-v1`].mappings;
    expect(docs.properties?.body).toMatchObject({ type: 'text', analyzer: 'english' });
  });

  it('refuses to switch embedders when vectors exist', async () => {
    const names = indexNames(prefix);
    await client.index({
      index: names.vectors,
      document: { doc_id: 'd1', collection: 'default', chunk_no: 0, embedding: Array(512).fill(0.01) },
      refresh: true,
    });
    await expect(setupIndices(client, prefix, { id: 'openai:other', dims: 768 })).rejects.toThrow(
      /embedded with "local:use-lite-512" \(512 dims\) but QUARRY_EMBEDDER is now "openai:other"/,
    );
  });

  it('creates, reads and deletes a document through the repository', async () => {
    const repository = new DocumentRepository(client, indexNames(prefix).docs);
    const now = new Date().toISOString();
    await repository.put(
      {
        id: 'doc-1',
        collection: 'runbooks',
        title: 'Disk full',
        body: 'When the disks are running full, rotate the logs.',
        tags: ['ops'],
        metadata: { team: 'sre' },
        created_at: now,
        updated_at: now,
        content_hash: 'abc',
      },
      'wait_for',
    );
    expect(await repository.get('doc-1')).toMatchObject({
      id: 'doc-1',
      title: 'Disk full',
      metadata: { team: 'sre' },
    });

    // The english analyzer stems "disk" and "run" so the stored body is found by its word forms.
    const found = await client.search({
      index: indexNames(prefix).docs,
      query: { match: { body: 'disk run' } },
    });
    expect(found.hits.hits.map((h) => h._id)).toEqual(['doc-1']);

    expect(await repository.delete('doc-1', 'wait_for')).toBe(true);
    expect(await repository.get('doc-1')).toBeUndefined();
    expect(await repository.delete('doc-1')).toBe(false);
  });
});

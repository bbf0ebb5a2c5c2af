import {
  accessFilter,
  createElasticsearchClient,
  DocumentRepository,
  indexNames,
  loadIndexDefinition,
  SearchRepository,
  setupIndices,
} from '@quarry/search';
import { dropIndices, servicesFromSetup, uniquePrefix } from './support/test-env';

const e5 = {
  id: 'local:e5-small-v2',
  dims: 384,
  pooling: 'mean' as const,
  queryPrefix: 'query: ',
  passagePrefix: 'passage: ',
};
const embedder = { model: e5 };
const vectorsVersion = loadIndexDefinition('vectors', embedder).version;
const docsVersion = loadIndexDefinition('docs', embedder).version;
const bge = {
  model: {
    ...e5,
    id: 'local:bge-small-en-v1.5',
    pooling: 'cls' as const,
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    passagePrefix: '',
  },
};

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
      [`${prefix}-docs`, `${prefix}-docs-v${docsVersion}`, 'created'],
      [`${prefix}-vectors`, `${prefix}-vectors-v${vectorsVersion}`, 'created'],
      [`${prefix}-meta`, `${prefix}-meta-v1`, 'created'],
      [`${prefix}-live`, `${prefix}-live-v1`, 'created'],
      [`${prefix}-audit`, `${prefix}-audit-v1`, 'created'],
    ]);
    const mappingBefore = await client.indices.getMapping({ index: `${prefix}-*` });

    const second = await setupIndices(client, prefix, embedder);
    expect(second.map((r) => r.action)).toEqual(['exists', 'exists', 'exists', 'exists', 'exists']);
    expect(await client.indices.getMapping({ index: `${prefix}-*` })).toEqual(mappingBefore);

    const vectors = mappingBefore[`${prefix}-vectors-v${vectorsVersion}`].mappings;
    expect(vectors.properties?.embedding).toMatchObject({
      type: 'dense_vector',
      dims: 384,
      similarity: 'cosine',
    });
    // The model is part of the index: id, dimensions, pooling and prefixes.
    expect(vectors._meta).toEqual({
      embedder: 'local:e5-small-v2',
      dims: 384,
      pooling: 'mean',
      query_prefix: 'query: ',
      passage_prefix: 'passage: ',
    });
    const docs = mappingBefore[`${prefix}-docs-v${docsVersion}`].mappings;
    expect(docs.properties?.body).toMatchObject({ type: 'text', analyzer: 'english' });
  });

  it('refuses to switch models when vectors exist, saying what differs and how to re-embed', async () => {
    const names = indexNames(prefix);
    await client.index({
      index: names.vectors,
      document: { doc_id: 'd1', collection: 'default', chunk_no: 0, embedding: Array(384).fill(0.01) },
      refresh: true,
    });
    const refusal = setupIndices(client, prefix, bge);
    await expect(refusal).rejects.toThrow(/holds 1 chunks embedded with "local:e5-small-v2" \(384 dims\)/);
    await expect(setupIndices(client, prefix, bge)).rejects.toThrow(
      /model: "local:e5-small-v2" -> "local:bge-small-en-v1.5"; pooling: "mean" -> "cls"; query prefix: .*quarry reindex --embeddings/,
    );
    // Same model, other prefixes: still not the same vectors.
    await expect(setupIndices(client, prefix, { model: { ...e5, queryPrefix: '' } })).rejects.toThrow(
      /query prefix: "query: " -> ""/,
    );
    // Nothing was changed by the refusals: the index still records e5 and holds its chunk.
    const mapping = await client.indices.getMapping({ index: names.vectors });
    expect(Object.values(mapping)[0].mappings._meta).toMatchObject({ embedder: 'local:e5-small-v2' });
    expect((await client.count({ index: names.vectors })).count).toBe(1);
  });

  it('replaces an empty vector index of another model and keeps its alias (issue 10, item 10)', async () => {
    const other = uniquePrefix();
    try {
      await setupIndices(client, other, embedder);
      const results = await setupIndices(client, other, {
        model: { id: 'openai:other', dims: 768, pooling: 'provider', queryPrefix: '', passagePrefix: '' },
      });
      const vectors = results.find((r) => r.kind === 'vectors')!;
      expect(vectors.action).toBe('recreated');
      const alias = indexNames(other).vectors;
      expect(await client.indices.existsAlias({ name: alias })).toBe(true);
      const mapping = await client.indices.getMapping({ index: alias });
      expect(Object.keys(mapping)).toEqual([vectors.index]);
      expect(mapping[vectors.index].mappings._meta).toMatchObject({ embedder: 'openai:other', dims: 768 });
      expect(mapping[vectors.index].mappings.properties?.embedding).toMatchObject({ dims: 768 });
      // Writes through the alias work, and a restart with the same model finds it as it is.
      await client.index({
        index: alias,
        document: { doc_id: 'd1', collection: 'default', chunk_no: 0, embedding: Array(768).fill(0.01) },
        refresh: true,
      });
      const again = await setupIndices(client, other, {
        model: { id: 'openai:other', dims: 768, pooling: 'provider', queryPrefix: '', passagePrefix: '' },
      });
      expect(again.find((r) => r.kind === 'vectors')).toMatchObject({
        action: 'exists',
        index: vectors.index,
      });
    } finally {
      await dropIndices(other);
    }
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
  it('migrates a vector index of version 2 (chunk text not indexed) to 3 with its vectors, so chunks are found by their words', async () => {
    const old = uniquePrefix();
    const alias = `${old}-vectors`;
    const definition = loadIndexDefinition('vectors', embedder);
    const properties = {
      ...(definition.mappings.properties as Record<string, unknown>),
      text: { type: 'text', index: false },
    };
    await client.indices.create({
      index: `${alias}-v2`,
      mappings: { ...definition.mappings, properties } as never,
      aliases: { [alias]: { is_write_index: true } },
    });
    const vector = Array.from({ length: 384 }, (_, i) => (i === 7 ? 1 : 0));
    await client.index({
      index: alias,
      id: 'guide#0',
      document: {
        doc_id: 'guide',
        chunk_no: 0,
        collection: 'docs',
        text: 'Rotate the heron logs weekly.',
        location: { lines: [1, 1] },
        embedding: vector,
      },
      refresh: true,
    });
    const wordsQuery = { index: alias, query: { match: { text: 'heron' } } };
    // Before: Elasticsearch refuses to search a field that is not indexed.
    await expect(client.search(wordsQuery)).rejects.toThrow(/not indexed/);
    try {
      const results = await setupIndices(client, old, embedder);
      expect(results.find((r) => r.kind === 'vectors')).toMatchObject({
        action: 'migrated',
        index: `${alias}-v${vectorsVersion}`,
      });
      await client.indices.refresh({ index: alias });
      const found = await client.search<{ embedding: number[] }>(wordsQuery);
      expect(found.hits.hits.map((h) => h._id)).toEqual(['guide#0']);
      expect(found.hits.hits[0]._source?.embedding).toEqual(vector);
    } finally {
      await dropIndices(old);
    }
  });

  it("migrates a full-text index of version 2 to 3: each document's chunks come from the vector index, so a lexical hit brings its shown chunk", async () => {
    const old = uniquePrefix();
    const definition = loadIndexDefinition('docs', embedder);
    const { chunks: _chunks, ...properties } = definition.mappings.properties as Record<string, unknown>;
    const { _source: _excludes, ...v2 } = definition.mappings;
    await client.indices.create({
      index: `${old}-docs-v2`,
      mappings: { ...v2, properties } as never,
      aliases: { [`${old}-docs`]: { is_write_index: true } },
    });
    await client.index({
      index: `${old}-docs`,
      id: 'guide',
      document: {
        id: 'guide',
        collection: 'docs',
        title: 'Logs',
        body: 'Keep logs. Rotate the heron logs weekly.',
        chunk_count: 2,
      },
      refresh: true,
    });
    const vectors = loadIndexDefinition('vectors', embedder);
    await client.indices.create({
      index: `${old}-vectors-v${vectorsVersion}`,
      mappings: vectors.mappings as never,
      aliases: { [`${old}-vectors`]: { is_write_index: true } },
    });
    const chunk = (n: number, text: string) => ({
      doc_id: 'guide',
      chunk_no: n,
      document_chunks: 2,
      collection: 'docs',
      text,
      location: { lines: [n + 1, n + 1] },
      embedding: Array.from({ length: 384 }, (_, i) => (i === n ? 1 : 0)),
    });
    await client.bulk({
      refresh: true,
      operations: [
        { index: { _index: `${old}-vectors`, _id: 'guide#0' } },
        chunk(0, 'Keep logs.'),
        { index: { _index: `${old}-vectors`, _id: 'guide#1' } },
        chunk(1, 'Rotate the heron logs weekly.'),
      ],
    });
    try {
      const results = await setupIndices(client, old, embedder);
      expect(results.find((r) => r.kind === 'docs')).toMatchObject({
        action: 'migrated',
        index: `${old}-docs-v${docsVersion}`,
      });
      const { hits } = await new SearchRepository(client, `${old}-docs`).lexical(
        'heron',
        {},
        { from: 0, size: 10, facets: false, shownChunks: true },
      );
      expect(hits.map((h) => [h.id, h.shown])).toEqual([
        ['guide', { chunkNo: 1, text: 'Rotate the heron logs weekly.', location: { lines: [2, 2] } }],
      ]);
    } finally {
      await dropIndices(old);
    }
  });

  it('migrates documents written before permissions: they stay open to every reader, and new ones carry access', async () => {
    const old = uniquePrefix();
    const alias = `${old}-docs`;
    const definition = loadIndexDefinition('docs', embedder);
    const { access: _access, ...properties } = definition.mappings.properties as Record<string, unknown>;
    await client.indices.create({
      index: `${alias}-v1`,
      mappings: { ...definition.mappings, properties } as never,
      aliases: { [alias]: { is_write_index: true } },
    });
    await client.index({
      index: alias,
      id: 'legacy',
      document: { id: 'legacy', collection: 'docs', body: 'Written before access existed.' },
      refresh: true,
    });
    try {
      const results = await setupIndices(client, old, embedder);
      expect(results.find((r) => r.kind === 'docs')).toMatchObject({
        action: 'migrated',
        index: `${alias}-v${docsVersion}`,
      });
      await client.index({
        index: alias,
        id: 'restricted',
        document: { id: 'restricted', collection: 'docs', body: 'For hr.', access: { groups: ['hr'] } },
        refresh: true,
      });
      const visibleTo = async (groups: string[]) =>
        (
          await client.search({
            index: alias,
            query: { bool: { filter: [accessFilter({ groups })!] } },
          })
        ).hits.hits
          .map((h) => h._id)
          .sort();
      expect(await visibleTo(['eng'])).toEqual(['legacy']);
      expect(await visibleTo(['hr'])).toEqual(['legacy', 'restricted']);
    } finally {
      await dropIndices(old);
    }
  });
});

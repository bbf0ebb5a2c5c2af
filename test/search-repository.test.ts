import {
  createElasticsearchClient,
  DocumentRepository,
  indexNames,
  SearchRepository,
  setupIndices,
  storedVector,
} from '@quarry/search';
import { IngestService } from '@quarry/ingest';
import type { Client } from '@elastic/elasticsearch';
import { fakeEmbedder } from './support/fake-embedder';
import { dropIndices, servicesFromSetup, uniquePrefix } from './support/test-env';

/**
 * SearchRepository against the real Elasticsearch: the search reads only the parts of each answer
 * it uses (`filter_path`), and an answer with nothing left of it must not shift the ones after it.
 */
describe('SearchRepository (real Elasticsearch)', () => {
  const prefix = uniquePrefix();
  const indices = indexNames(prefix);
  const embedder = fakeEmbedder();
  let client: Client;
  let repository: SearchRepository;

  beforeAll(async () => {
    client = createElasticsearchClient(servicesFromSetup().elasticsearchUrl, 30_000);
    await setupIndices(client, prefix, embedder);
    const ingest = new IngestService(new DocumentRepository(client, indices.docs), embedder, indices);
    await ingest.ingest(
      [
        { id: 'tar', title: 'tar', body: 'tar - an archiving utility. List the contents of an archive.' },
        { id: 'ls', title: 'ls', body: 'ls - list directory contents, sorted by name.' },
      ],
      { wait: true },
    );
    // A document of several chunks (small chunks), in a collection of its own.
    await new IngestService(new DocumentRepository(client, indices.docs), embedder, indices, {
      chunking: { targetWords: 6, maxWords: 8, overlapWords: 0 },
    }).ingest(
      [
        {
          id: 'guide',
          title: 'Archive guide',
          collection: 'manuals',
          body: 'Archives hold many files. Compress an archive to save space. Extract an archive to read it.',
        },
      ],
      { wait: true },
    );
    await client.indices.refresh({ index: [indices.docs, indices.vectors] });
    repository = new SearchRepository(client, indices.docs);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await dropIndices(prefix);
  });

  it("a lexical page's hits bring the chunk their words match best in the same request, as the page read chooses it", async () => {
    const scope = { collections: ['manuals'] };
    const { hits } = await repository.lexical('extract', scope, {
      from: 0,
      size: 10,
      facets: false,
      shownChunks: true,
    });
    expect(hits.map((h) => h.id)).toEqual(['guide']);
    const read = await repository.page('extract', { ids: [], chunks: [], locate: ['guide'] });
    expect(hits[0].shown).toEqual(read.chunks.get('guide'));
    expect(hits[0].shown).toMatchObject({ text: expect.stringContaining('Extract an archive') });
    expect(hits[0].shown!.chunkNo).toBeGreaterThan(0);
    // Without the option (hybrid's candidates, the benchmark's direct request): no chunk.
    const plain = await repository.lexical('extract', scope, { from: 0, size: 10, facets: false });
    expect(plain.hits[0].shown).toBeUndefined();
    // A match of the title alone brings none (the service reads the first chunk for it).
    const title = await repository.lexical('guide', scope, {
      from: 0,
      size: 10,
      facets: false,
      shownChunks: true,
    });
    expect(title.hits.map((h) => [h.id, h.shown])).toEqual([['guide', undefined]]);
  });

  it('a document written again with the same text keeps its chunks in the full-text index', async () => {
    const ingest = new IngestService(new DocumentRepository(client, indices.docs), embedder, indices, {
      chunking: { targetWords: 6, maxWords: 8, overlapWords: 0 },
    });
    const {
      items: [result],
    } = await ingest.ingest(
      [
        {
          id: 'guide',
          title: 'Archive guide',
          collection: 'manuals',
          tags: ['retagged'],
          body: 'Archives hold many files. Compress an archive to save space. Extract an archive to read it.',
        },
      ],
      { wait: true },
    );
    expect(result).toMatchObject({ status: 'updated' });
    const { hits } = await repository.lexical(
      'compress',
      { collections: ['manuals'] },
      { from: 0, size: 10, facets: false, shownChunks: true },
    );
    expect(hits[0].summary.tags).toEqual(['retagged']);
    expect(hits[0].shown?.text).toContain('Compress an archive');
  });

  it('a page leaves out a document deleted a moment ago, and still reads the chunks of the others', async () => {
    const page = await repository.page('archive contents', {
      ids: ['deleted-a-moment-ago'],
      chunks: [],
      locate: ['tar'],
      weigh: ['tar'],
    });
    expect(page.documents.size).toBe(0);
    expect(page.chunks.get('tar')?.text).toContain('List the contents of an archive');
    expect(page.candidates?.get('tar')?.[0]?.text).toContain('archive');
  });

  it("reads a page in one search: each document's chunk by number, and the words' best chunks of those to weigh", async () => {
    const page = await repository.page('archive', {
      ids: ['guide', 'ls'],
      chunks: [
        { docId: 'guide', chunkNo: 1 },
        { docId: 'ls', chunkNo: 0 },
      ],
      locate: [],
      weigh: ['guide'],
    });
    expect([...page.documents.keys()].sort()).toEqual(['guide', 'ls']);
    // The chunk named for each document, not the same number of another document.
    expect(page.chunks.get('guide')).toMatchObject({ chunkNo: 1, location: expect.any(Object) });
    expect(page.chunks.get('ls')).toMatchObject({
      chunkNo: 0,
      text: expect.stringContaining('list directory'),
    });
    // The words' candidates of the document to weigh, best first, three at most; none of the other.
    const words = page.candidates?.get('guide') ?? [];
    expect(words.length).toBeGreaterThan(0);
    expect(words.length).toBeLessThanOrEqual(3);
    for (const chunk of words) expect(chunk.text.toLowerCase()).toContain('archive');
    expect(page.candidates?.has('ls')).toBe(false);
  });

  it("reads a page's documents by id from their sources, and their chunks", async () => {
    const page = await repository.page('list', { ids: ['ls', 'tar'], chunks: [], locate: ['ls'] });
    expect([...page.documents.keys()].sort()).toEqual(['ls', 'tar']);
    expect(page.documents.get('ls')).toMatchObject({ title: 'ls', collection: 'default' });
    expect(page.chunks.get('ls')?.chunkNo).toBe(0);
  });

  it('hybrid candidates without a word match still bring the nearest chunks, and no lexical hit', async () => {
    const [vector] = await embedder.embedQueries(['archive']);
    const scope = { collections: ['default'] };
    const { lexical, chunks } = await repository.hybridCandidates('zzyzx', vector, scope, 10);
    expect(lexical).toEqual([]);
    expect(chunks.map((c) => c.docId).sort()).toEqual(['ls', 'tar']);
    const both = await repository.hybridCandidates('archive', vector, scope, 10);
    expect(both.lexical.map((h) => h.id)).toEqual(['tar']);
    expect(both.lexical[0].summary).toMatchObject({ id: 'tar', collection: 'default' });
  });

  it('a document of several chunks is embedded whole onto its first chunk, and the kNN finds it within the scope only', async () => {
    const stored = await client.search<{ chunk_no: number; document_embedding?: number[] }>({
      index: indices.vectors,
      query: { term: { doc_id: 'guide' } },
      sort: [{ chunk_no: 'asc' }],
      _source: ['chunk_no', 'document_embedding'],
    });
    const chunks = stored.hits.hits.map((hit) => hit._source!);
    expect(chunks.length).toBeGreaterThan(1);
    const [whole] = await embedder.embedPassages([
      'Archive guide\nArchives hold many files. Compress an archive to save space. Extract an archive to read it.',
    ]);
    expect(chunks[0].document_embedding).toEqual(storedVector(whole));
    expect(chunks.slice(1).every((chunk) => chunk.document_embedding === undefined)).toBe(true);

    const [vector] = await embedder.embedQueries(['archive']);
    const nearest = await repository.knnChunks(vector, {}, 10);
    // Only the document of several chunks has a whole-document vector; one-chunk documents are their chunk.
    expect(nearest.documents.map((d) => [d.docId, d.chunkNo])).toEqual([['guide', 0]]);
    expect(new Set(nearest.chunks.map((c) => c.docId))).toEqual(new Set(['guide', 'tar', 'ls']));
    const elsewhere = await repository.knnChunks(vector, { collections: ['default'] }, 10);
    expect(elsewhere.documents).toEqual([]);
    const hybrid = await repository.hybridCandidates('archive', vector, { collections: ['manuals'] }, 10);
    expect(hybrid.documents.map((d) => d.docId)).toEqual(['guide']);
    expect(new Set(hybrid.chunks.map((c) => c.docId))).toEqual(new Set(['guide']));
  });
});

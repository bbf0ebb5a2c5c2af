import type { Embedder } from '@quarry/embeddings';
import { fuse } from './fusion';
import { indexNames } from './index-names';
import type {
  ChunkHit,
  NearestChunks,
  DocumentSummary,
  LexicalHit,
  LexicalResult,
  PageRequest,
  PageResult,
  PlacedChunk,
  SearchRepository,
} from './search.repository';
import type { LexicalRequestOptions, ResolvedScope } from './search-query';
import { SearchService, UnknownCollectionError } from './search.service';

const summary = (id: string, collection = 'docs', tags: string[] = []): DocumentSummary => ({
  id,
  title: `title of ${id}`,
  collection,
  tags,
});

const lexicalHit = (id: string, score: number, collection = 'docs', tags: string[] = []): LexicalHit => ({
  id,
  score,
  summary: summary(id, collection, tags),
});

const chunk = (
  docId: string,
  chunkNo: number,
  score: number,
  collection = 'docs',
  tags: string[] = [],
): ChunkHit => ({
  docId,
  chunkNo,
  documentChunks: 1,
  score,
  collection,
  tags,
});

/** An in-memory SearchRepository: fixed answers, and a record of what the service asked. */
class FakeSearchRepository {
  readonly calls: { method: string; args: unknown[] }[] = [];
  lexicalHits: LexicalHit[] = [
    lexicalHit('a', 12, 'docs', ['x']),
    lexicalHit('b', 6),
    lexicalHit('c', 5, 'notes'),
    lexicalHit('d', 1),
  ];
  chunks: ChunkHit[] = [
    chunk('e', 0, 0.93, 'notes', ['x']),
    chunk('c', 2, 0.91, 'notes'),
    chunk('c', 0, 0.88, 'notes'),
    chunk('a', 1, 0.85, 'docs', ['x']),
    chunk('f', 0, 0.82),
  ];
  /** Whole-document vectors near the query (documents of several chunks). */
  documentHits: ChunkHit[] = [];
  /** Documents whose summaries are gone (deleted since the candidates were read). */
  deleted = new Set<string>();
  existing = ['docs', 'notes'];

  lexical(text: string, scope: ResolvedScope, options: LexicalRequestOptions): Promise<LexicalResult> {
    this.calls.push({ method: 'lexical', args: [text, scope, options] });
    const hits = this.lexicalHits.slice(options.from, options.from + options.size);
    return Promise.resolve({
      hits,
      total: this.lexicalHits.length,
      facets: { collection: [{ value: 'docs', count: 3 }], tags: [] },
    });
  }

  knnChunks(vector: number[], scope: ResolvedScope, k: number): Promise<NearestChunks> {
    this.calls.push({ method: 'knnChunks', args: [vector, scope, k] });
    return Promise.resolve({ chunks: this.chunks.slice(0, k), documents: this.documentHits.slice(0, k) });
  }

  hybridCandidates(
    text: string,
    vector: number[],
    scope: ResolvedScope,
    depth: number,
  ): Promise<{ lexical: LexicalHit[] } & NearestChunks> {
    this.calls.push({ method: 'hybridCandidates', args: [text, vector, scope, depth] });
    return Promise.resolve({
      lexical: this.lexicalHits.slice(0, depth),
      chunks: this.chunks.slice(0, depth),
      documents: this.documentHits.slice(0, depth),
    });
  }

  page(text: string, request: PageRequest): Promise<PageResult> {
    const { ids, locate } = request;
    // Recorded as `<doc>#<n>`, as the vector index names chunks.
    const chunkIds = request.chunks.map((c) => `${c.docId}#${c.chunkNo}`);
    const weighed = request.weigh ?? [];
    this.calls.push({ method: 'page', args: [text, ids, chunkIds, locate, weighed] });
    const documents = new Map<string, DocumentSummary>(
      ids.filter((id) => !this.deleted.has(id)).map((id) => [id, summary(id)]),
    );
    const chunks = new Map<string, PlacedChunk>([
      // Chunk ids are `<doc>#<n>` here: a chunk read by id brings its text and place.
      ...chunkIds.map((id): [string, PlacedChunk] => {
        const [docId, n] = id.split('#');
        return [docId, { chunkNo: Number(n), text: `text of chunk ${id}`, location: { lines: [1, 2] } }];
      }),
      // The chunk the words match best (always the third here).
      ...locate.map((id): [string, PlacedChunk] => [
        id,
        { chunkNo: 2, text: `a word in ${id}`, location: { page: 3, lines: [5, 9] } },
      ]),
    ]);
    // The chunks the words match best of the documents both sides found (the third, as above).
    const candidates = new Map(
      weighed.map((id): [string, PlacedChunk[]] => [
        id,
        [{ chunkNo: 2, text: `a word in ${id}`, location: { page: 3, lines: [5, 9] } }],
      ]),
    );
    return Promise.resolve({ documents, chunks, candidates });
  }

  collections(): Promise<{ name: string; documents: number }[]> {
    this.calls.push({ method: 'collections', args: [] });
    return Promise.resolve(this.existing.map((name) => ({ name, documents: 1 })));
  }

  called(method: string) {
    return this.calls.filter((c) => c.method === method);
  }
}

const embedder = {
  id: 'fake',
  dims: 2,
  model: { id: 'fake', dims: 2, pooling: 'mean', queryPrefix: '', passagePrefix: '' },
  embedQueries: (queries: string[]) => Promise.resolve(queries.map(() => [1, 0])),
  embedPassages: (passages: string[]) => Promise.resolve(passages.map(() => [1, 0])),
  close: () => Promise.resolve(),
} as Embedder;

function service(options: ConstructorParameters<typeof SearchService>[3] = {}) {
  const repository = new FakeSearchRepository();
  const search = new SearchService(
    repository as unknown as SearchRepository,
    embedder,
    indexNames('unit'),
    options,
  );
  return { repository, search };
}

const ids = (result: { hits: { id: string }[] }) => result.hits.map((h) => h.id);

describe('SearchService (fake repository)', () => {
  it('hybrid: one candidates read, the fusion of both lists, one page read of the shown documents', async () => {
    const { repository, search } = service();
    const result = await search.search({ query: 'find words', semanticRatio: 0.5, size: 3 });
    expect(repository.called('hybridCandidates')).toHaveLength(1);
    expect(repository.called('hybridCandidates')[0].args).toEqual([
      'find words',
      [1, 0],
      expect.anything(),
      100,
    ]);
    const semanticDocs = [
      { id: 'e', score: 0.93 },
      { id: 'c', score: 0.91 },
      { id: 'a', score: 0.85 },
      { id: 'f', score: 0.82 },
    ];
    const expected = fuse(repository.lexicalHits, semanticDocs, { semanticRatio: 0.5, method: 'relative' });
    expect(ids(result)).toEqual(expected.slice(0, 3).map((d) => d.id));
    // The page is read once; the snippet chunk of each meaning-only match comes with it.
    expect(repository.called('page')).toHaveLength(1);
    const [, pageIds, chunkIds, locate, weighed] = repository.called('page')[0].args as string[][];
    expect(pageIds).toEqual(ids(result));
    const nearest: Record<string, string> = { e: 'e#0', c: 'c#2', a: 'a#1', f: 'f#0' };
    const wordsOnly = new Set(['b', 'd']);
    // Each document meaning found brings its nearest chunk; the others are located by their
    // words; those both found also bring their best chunks by words (`shown-chunk.ts`). One read.
    expect(chunkIds).toEqual(pageIds.filter((id) => nearest[id]).map((id) => nearest[id]));
    expect(locate).toEqual(pageIds.filter((id) => wordsOnly.has(id)));
    expect(weighed).toEqual(
      pageIds.filter((id) => nearest[id] && !wordsOnly.has(id) && !['e', 'f'].includes(id)),
    );
    expect(repository.called('lexical')).toHaveLength(0);
    expect(repository.called('knnChunks')).toHaveLength(0);
  });

  it('hybrid: total and facets describe the fused set, not one side', async () => {
    const { search } = service();
    const result = await search.search({ query: 'find words', semanticRatio: 0.5 });
    expect(result.total).toBe(6); // a b c d (lexical) + e f (semantic only)
    expect(result.facets.collection).toEqual([
      { value: 'docs', count: 4 },
      { value: 'notes', count: 2 },
    ]);
    expect(result.facets.tags).toEqual([{ value: 'x', count: 2 }]);
  });

  it('semanticRatio 0 is the lexical search, 1 the semantic search', async () => {
    const lexicalOnly = service();
    const atZero = await lexicalOnly.search.search({ query: 'find words', semanticRatio: 0 });
    expect(ids(atZero)).toEqual(['a', 'b', 'c', 'd']);
    expect(lexicalOnly.repository.called('hybridCandidates')).toHaveLength(0);
    expect(lexicalOnly.repository.called('knnChunks')).toHaveLength(0);

    const semanticOnly = service();
    const atOne = await semanticOnly.search.search({ query: 'find words', semanticRatio: 1 });
    expect(ids(atOne)).toEqual(['e', 'c', 'a', 'f']);
    expect(semanticOnly.repository.called('lexical')).toHaveLength(0);
    expect(semanticOnly.repository.called('hybridCandidates')).toHaveLength(0);
  });

  it('ranks a document of several chunks by its best chunk and its whole-document vector together', async () => {
    const many = service();
    // "e"'s best chunk is the nearest, but "e" as a whole is far from the query.
    many.repository.documentHits = [chunk('c', 0, 0.91, 'notes'), chunk('e', 0, 0.7, 'notes', ['x'])];
    const result = await many.search.search({ query: 'find words', mode: 'semantic', explain: true });
    expect(ids(result)).toEqual(['c', 'a', 'f', 'e']);
    expect(result.hits.find((h) => h.id === 'e')!.explain!.semantic).toEqual({ rank: 4, score: 0.815 });
    // Shown from its best chunk all the same.
    expect(many.repository.called('page')[0].args[2]).toContain('e#0');
  });

  it("explain gives each hit's rank and score on each side and the weighting used", async () => {
    const { search } = service();
    const result = await search.search({
      query: 'find words',
      explain: true,
      fusion: 'rrf',
      semanticRatio: 0.5,
    });
    const c = result.hits.find((h) => h.id === 'c')!;
    expect(c.explain).toEqual({
      lexical: { rank: 3, score: 5 },
      semantic: { rank: 2, score: 0.91 },
      fusion: { method: 'rrf', semanticRatio: 0.5 },
    });
    expect(result.hits.find((h) => h.id === 'e')!.explain!.lexical).toBeNull();
  });

  it("relative fusion's explanation says whether the words had a say", async () => {
    // Four word matches: too few for a leader to stand out beyond chance, so meaning ranks alone.
    const few = service();
    const hybrid = await few.search.search({ query: 'find words', explain: true, fusion: 'relative' });
    expect(hybrid.hits[0].explain!.fusion).toMatchObject({ method: 'relative', wordsCounted: false });
    expect(ids(hybrid).slice(0, 2)).toEqual(['e', 'c']);

    // Forty matches with one far ahead: the words count.
    const many = service();
    many.repository.lexicalHits = [
      lexicalHit('a', 40),
      ...Array.from({ length: 39 }, (_, i) => lexicalHit(`n${i}`, 5 + (i % 3) * 0.1)),
    ];
    const counted = await many.search.search({ query: 'find words', explain: true, fusion: 'relative' });
    expect(counted.hits[0].explain!.fusion).toMatchObject({ wordsCounted: true });
  });

  it('the server default weighting applies when a request names none', async () => {
    const { search } = service({ fusion: { method: 'rrf', semanticRatio: 0.3 } });
    const result = await search.search({ query: 'find words', explain: true });
    expect(result.hits[0].explain!.fusion).toEqual({ method: 'rrf', semanticRatio: 0.3 });
  });

  it('snippets: highlighted words where they occur, the best chunk for a meaning-only match', async () => {
    const { search } = service();
    const result = await search.search({ query: 'find words', semanticRatio: 0.5 });
    expect(result.hits.find((h) => h.id === 'a')!.snippet).toBe('a <em>word</em> in a');
    expect(result.hits.find((h) => h.id === 'e')!.snippet).toBe('text of chunk e#0');
  });

  it('locations: the chunk the words match best, or the best chunk by meaning, in one page read', async () => {
    const hybrid = service();
    const result = await hybrid.search.search({ query: 'find words', semanticRatio: 0.5 });
    expect(result.hits.find((h) => h.id === 'a')!.location).toEqual({ page: 3, lines: [5, 9], chunk: 2 });
    expect(result.hits.find((h) => h.id === 'e')!.location).toEqual({ lines: [1, 2], chunk: 0 });
    expect(hybrid.repository.called('page')).toHaveLength(1);

    const lexical = service();
    const hits = (await lexical.search.search({ query: 'find words', mode: 'lexical' })).hits;
    expect(hits.map((h) => h.location)).toEqual(hits.map(() => ({ page: 3, lines: [5, 9], chunk: 2 })));
    expect(lexical.repository.called('page')[0].args).toEqual([
      'find words',
      [],
      [],
      ['a', 'b', 'c', 'd'],
      [],
    ]);

    // Hits that bring the chunk their words match (inner hits of the same request) need no page
    // read; only the one that brings none is read.
    const oneRead = service();
    oneRead.repository.lexicalHits = oneRead.repository.lexicalHits.map((h) =>
      h.id === 'd'
        ? h
        : { ...h, shown: { chunkNo: 4, text: `the words in ${h.id}`, location: { lines: [7, 8] } } },
    );
    const placed = (await oneRead.search.search({ query: 'find words', mode: 'lexical' })).hits;
    expect(oneRead.repository.called('lexical')[0].args[2]).toMatchObject({ shownChunks: true });
    expect(placed.map((h) => h.location)).toEqual([
      { lines: [7, 8], chunk: 4 },
      { lines: [7, 8], chunk: 4 },
      { lines: [7, 8], chunk: 4 },
      { page: 3, lines: [5, 9], chunk: 2 },
    ]);
    expect(oneRead.repository.called('page').map((c) => c.args[3])).toEqual([['d']]);
    oneRead.repository.lexicalHits = oneRead.repository.lexicalHits.slice(0, 3);
    await oneRead.search.search({ query: 'other words', mode: 'lexical' });
    expect(oneRead.repository.called('page')).toHaveLength(1);

    const semantic = service();
    const shown = (await semantic.search.search({ query: 'find words', mode: 'semantic' })).hits;
    // With words in the query, from the chunk best by words and meaning: its passage holds "word".
    expect(shown.find((h) => h.id === 'c')!.location).toEqual({ page: 3, lines: [5, 9], chunk: 2 });
  });

  it('a document deleted since the candidates were read is not shown', async () => {
    const { repository, search } = service();
    repository.deleted.add('e');
    const result = await search.search({ query: 'find words', semanticRatio: 0.5 });
    expect(ids(result)).not.toContain('e');
  });

  it('pages are cut from the fused ranking', async () => {
    const { search } = service();
    const all = ids(await search.search({ query: 'find words', semanticRatio: 0.5 }));
    const second = ids(await search.search({ query: 'find words', semanticRatio: 0.5, from: 2, size: 2 }));
    expect(second).toEqual(all.slice(2, 4));
  });

  it('@word scopes the search only when such a collection exists; an asked-for unknown one is an error', async () => {
    const { repository, search } = service();
    await search.search({ query: 'find @notes words', semanticRatio: 0.5 });
    const [text, , scope] = repository.called('hybridCandidates')[0].args as [
      string,
      number[],
      ResolvedScope,
    ];
    expect(text).toBe('find words');
    expect(scope.collections).toEqual(['notes']);

    await search.search({ query: 'python @decorator syntax', semanticRatio: 0.5 });
    const [kept, , unscoped] = repository.called('hybridCandidates')[1].args as [
      string,
      number[],
      ResolvedScope,
    ];
    expect(kept).toBe('python @decorator syntax');
    expect(unscoped.collections).toBeUndefined();

    await expect(search.search({ query: 'x', collection: 'nowhere' })).rejects.toBeInstanceOf(
      UnknownCollectionError,
    );
  });

  it('rankings gives both candidate lists as hybrid fuses them', async () => {
    const { search } = service();
    const lists = await search.rankings({ query: 'find words' }, {}, 100);
    expect(lists.lexical.map((d) => d.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(lists.semantic).toEqual([
      { id: 'e', score: 0.93 },
      { id: 'c', score: 0.91 },
      { id: 'a', score: 0.85 },
      { id: 'f', score: 0.82 },
    ]);
  });
});

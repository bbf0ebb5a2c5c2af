import type { Principal } from '@quarry/core';
import type { Embedder } from '@quarry/embeddings';
import {
  indexNames,
  SearchService,
  UnknownCollectionError,
  type SearchRepository,
  type SearchResult,
} from '@quarry/search';
import { LiveQueryCompiler, type LiveSearch } from './live-query.compiler';

const COLLECTIONS = ['runbooks', 'hr'];
const admin: Principal = { id: 'admin', role: 'admin' };
const subscription = { subscriptionId: 's1', instance: 'here' };

/** The real scope resolution of the search, over a fake list of existing collections. */
function realResolve(): LiveSearch['resolve'] {
  const repository = {
    collections: async () => COLLECTIONS.map((name) => ({ name, documents: 1 })),
  } as unknown as SearchRepository;
  const search = new SearchService(repository, {} as Embedder, indexNames('unit'));
  return (input, scope) => search.resolve(input, scope);
}

function compiler(kthScore?: number) {
  const analysed: string[] = [];
  const search: LiveSearch = {
    resolve: realResolve(),
    queryVector: async () => [1, 0],
    search: async () => ({ hits: kthScore === undefined ? [] : [{ score: kthScore }] }) as SearchResult,
  };
  const repository = {
    analyseQuery: async (text: string) => {
      analysed.push(text);
      return { english: text.split(' '), standard: text.split(' ') };
    },
  };
  return { analysed, compiler: new LiveQueryCompiler(repository, search, { minSimilarity: 0.45 }) };
}

describe('LiveQueryCompiler', () => {
  it('keeps an @word that names no collection as a query word', async () => {
    const { compiler: live, analysed } = compiler();
    const query = await live.compile(
      { query: 'python @decorator syntax', mode: 'lexical' },
      admin,
      subscription,
    );
    expect(query.text).toBe('python @decorator syntax');
    expect(query.scope.collections).toBeUndefined();
    expect(analysed).toEqual(['python @decorator syntax']);
  });

  it("matches documents by what the query asks about, as a search's words do", async () => {
    const { compiler: live, analysed } = compiler();
    const query = await live.compile(
      { query: 'how do I rotate the logs', mode: 'hybrid' },
      admin,
      subscription,
    );
    expect(query.text).toBe('how do I rotate the logs');
    expect(analysed).toEqual(['rotate logs']);
  });

  it('scopes by an @word that names a collection, as the search does', async () => {
    const { compiler: live } = compiler();
    const query = await live.compile({ query: '@runbooks disk full', mode: 'lexical' }, admin, subscription);
    expect(query).toMatchObject({ text: 'disk full', scope: { collections: ['runbooks'] }, owner: 'admin' });
  });

  it('refuses an explicitly requested collection that does not exist, naming it', async () => {
    const { compiler: live } = compiler();
    const compiled = live.compile({ query: 'disk', collection: ['nowhere'] }, admin, subscription);
    await expect(compiled).rejects.toBeInstanceOf(UnknownCollectionError);
    await expect(compiled).rejects.toThrow('"nowhere"');
  });

  it('treats a collection outside the allow-list as absent', async () => {
    const { compiler: live } = compiler();
    const reader: Principal = { id: 'r', role: 'reader', collections: ['hr'] };
    const query = await live.compile({ query: '@runbooks disk', mode: 'lexical' }, reader, subscription);
    expect(query).toMatchObject({ text: '@runbooks disk', scope: { collections: ['hr'] } });
    await expect(
      live.compile({ query: 'disk', collection: 'runbooks' }, reader, subscription),
    ).rejects.toThrow('"runbooks"');
  });

  it('sets the semantic bar at the k-th best document, never under the floor', async () => {
    const above = await compiler(0.9).compiler.compile(
      { query: 'leave', mode: 'semantic', size: 1 },
      admin,
      subscription,
    );
    expect(above.threshold).toBeCloseTo(0.8);
    expect(above.vector).toEqual([1, 0]);
    expect(above.terms).toEqual({ english: [], standard: [] });
    const empty = await compiler().compiler.compile(
      { query: 'leave', mode: 'semantic', size: 1 },
      admin,
      subscription,
    );
    expect(empty.threshold).toBe(0.45);
  });
});

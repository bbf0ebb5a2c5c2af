import { fuse, maxPoolChunks, type FusionMethod } from './fusion';

const ranked = (...entries: [string, number][]) => entries.map(([id, score]) => ({ id, score }));
const ids = (docs: { id: string }[]) => docs.map((d) => d.id);

describe('fuse', () => {
  const lexical = ranked(['a', 20], ['b', 5], ['c', 5], ['d', 1]);
  const semantic = ranked(['e', 0.9], ['c', 0.85], ['a', 0.6], ['f', 0.55]);

  describe.each<FusionMethod>(['relative', 'rrf'])('%s', (method) => {
    it('at semanticRatio 0 is exactly the lexical ranking (ties kept in lexical order)', () => {
      expect(ids(fuse(lexical, semantic, { semanticRatio: 0, method }))).toEqual(['a', 'b', 'c', 'd']);
    });

    it('at semanticRatio 1 is exactly the semantic ranking', () => {
      expect(ids(fuse(lexical, semantic, { semanticRatio: 1, method }))).toEqual(['e', 'c', 'a', 'f']);
    });

    it('in between, ranks the union of both lists', () => {
      expect(ids(fuse(lexical, semantic, { semanticRatio: 0.5, method })).sort()).toEqual([
        'a',
        'b',
        'c',
        'd',
        'e',
        'f',
      ]);
    });

    it("says where each document stood in each retriever's list", () => {
      const fused = fuse(lexical, semantic, { semanticRatio: 0.5, method });
      expect(fused.find((d) => d.id === 'c')).toMatchObject({
        lexical: { rank: 3, score: 5 },
        semantic: { rank: 2, score: 0.85 },
      });
      expect(fused.find((d) => d.id === 'e')).toMatchObject({ lexical: null, semantic: { rank: 1 } });
    });

    it('falls back to the retriever that found something', () => {
      expect(ids(fuse([], semantic, { semanticRatio: 0.5, method }))).toEqual(['e', 'c', 'a', 'f']);
      expect(ids(fuse(lexical, [], { semanticRatio: 0.5, method }))).toEqual(['a', 'b', 'c', 'd']);
    });

    it('moves documents towards the semantic order as the ratio grows', () => {
      const positionOfE = (ratio: number) =>
        ids(fuse(lexical, semantic, { semanticRatio: ratio, method })).indexOf('e');
      expect(positionOfE(0.2)).toBeGreaterThanOrEqual(positionOfE(0.5));
      expect(positionOfE(0.5)).toBeGreaterThanOrEqual(positionOfE(0.99));
      expect(positionOfE(0.99)).toBe(0);
    });
  });

  it('relative keeps a clear lexical winner first when semantic prefers another', () => {
    const lex = ranked(['a', 20], ['b', 5], ['c', 4]);
    const sem = ranked(['c', 0.8], ['b', 0.78], ['a', 0.7]);
    expect(fuse(lex, sem, { semanticRatio: 0.3, method: 'relative' })[0].id).toBe('a');
  });

  it('relative lets meaning settle close lexical calls', () => {
    const lex = ranked(['a', 10], ['b', 9.8], ['c', 2]);
    const sem = ranked(['b', 0.85], ['c', 0.8], ['a', 0.6]);
    expect(ids(fuse(lex, sem, { semanticRatio: 0.3, method: 'relative' }))).toEqual(['b', 'a', 'c']);
  });

  it('rrf scores by rank alone: (1 - r) / (k + rank) + r / (k + rank)', () => {
    const fused = fuse(ranked(['a', 100], ['b', 1]), ranked(['b', 0.9], ['c', 0.1]), {
      semanticRatio: 0.5,
      method: 'rrf',
      rrfK: 60,
    });
    expect(ids(fused)).toEqual(['b', 'a', 'c']);
    expect(fused[0].score).toBeCloseTo(0.5 / 62 + 0.5 / 61);
    expect(fused[1].score).toBeCloseTo(0.5 / 61);
  });
});

describe('maxPoolChunks', () => {
  it('scores each document by its best chunk', () => {
    const pooled = maxPoolChunks([
      { docId: 'a', score: 0.5, chunk: 0 },
      { docId: 'b', score: 0.7, chunk: 0 },
      { docId: 'a', score: 0.9, chunk: 3 },
    ]);
    expect(pooled.map((d) => [d.id, d.score, d.chunk])).toEqual([
      ['a', 0.9, 3],
      ['b', 0.7, 0],
    ]);
  });
});

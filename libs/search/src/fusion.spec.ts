import { DEFAULT_FUSION, fuse, maxPoolChunks, standardScores, type FusionMethod } from './fusion';

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

  it('relative weighs a side by how far its candidates stand out, not by which one leads', () => {
    // One keyword match among many meaning matches: under max or min-max scaling it got the full
    // lexical weight and jumped to the top; as a standard score it stands out from nothing.
    const lex = ranked(['x', 7.5]);
    const sem = ranked(['a', 0.95], ['b', 0.9], ['x', 0.86], ['c', 0.85], ['d', 0.84]);
    expect(ids(fuse(lex, sem, { semanticRatio: 0.5, method: 'relative' }))).toEqual([
      'a',
      'b',
      'x',
      'c',
      'd',
    ]);
  });

  it('relative scores are the weighted standard scores of both sides', () => {
    const lex = ranked(['a', 3], ['b', 1]);
    const sem = ranked(['b', 0.9], ['c', 0.7], ['a', 0.5]);
    const fused = fuse(lex, sem, { semanticRatio: 0.25, method: 'relative' });
    const semZ = standardScores(sem);
    expect(fused.find((d) => d.id === 'a')!.score).toBeCloseTo(0.75 * 1 + 0.25 * semZ.get('a')!);
    expect(fused.find((d) => d.id === 'c')!.score).toBeCloseTo(0.25 * semZ.get('c')!);
  });

  it('the default is relative, mostly semantic (chosen in bench/search.bench.ts)', () => {
    expect(DEFAULT_FUSION).toEqual({ method: 'relative', semanticRatio: 0.9 });
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

describe('standardScores', () => {
  it('has zero mean and unit variance over the list', () => {
    const z = [...standardScores(ranked(['a', 10], ['b', 4], ['c', 1])).values()];
    const mean = z.reduce((sum, v) => sum + v, 0) / z.length;
    expect(mean).toBeCloseTo(0);
    expect(z.reduce((sum, v) => sum + (v - mean) ** 2, 0) / z.length).toBeCloseTo(1);
  });

  it('gives 0 to a list that cannot tell its entries apart', () => {
    expect([...standardScores(ranked(['a', 5])).values()]).toEqual([0]);
    expect([...standardScores(ranked(['a', 2], ['b', 2])).values()]).toEqual([0, 0]);
    expect(standardScores([]).size).toBe(0);
  });

  it('does not depend on the scale of the scores', () => {
    const small = standardScores(ranked(['a', 0.9], ['b', 0.8], ['c', 0.75]));
    const large = standardScores(ranked(['a', 90], ['b', 80], ['c', 75]));
    for (const id of ['a', 'b', 'c']) expect(small.get(id)).toBeCloseTo(large.get(id)!);
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

import { fuseScores, lexicalWeightFor, maxPoolChunks, reciprocalRankFusion } from './fusion';

const ranked = (...entries: [string, number][]) => entries.map(([id, score]) => ({ id, score }));

describe('fuseScores', () => {
  it('keeps a clear lexical winner first even when semantic prefers another', () => {
    const lexical = ranked(['a', 20], ['b', 5], ['c', 4]);
    const semantic = ranked(['c', 0.8], ['b', 0.78], ['a', 0.7]);
    expect(fuseScores(lexical, semantic, { lexicalWeight: 0.9 })[0].id).toBe('a');
  });

  it('lets meaning settle close lexical calls', () => {
    const lexical = ranked(['a', 10], ['b', 9.8], ['c', 2]);
    const semantic = ranked(['b', 0.85], ['c', 0.8], ['a', 0.6]);
    expect(fuseScores(lexical, semantic, { lexicalWeight: 0.7 }).map((d) => d.id)).toEqual(['b', 'a', 'c']);
  });

  it('brings in a document only the semantic side found', () => {
    const fused = fuseScores(ranked(['a', 3]), ranked(['z', 0.9], ['a', 0.5]));
    expect(fused.map((d) => d.id).sort()).toEqual(['a', 'z']);
  });

  it('falls back to the retriever that found something', () => {
    expect(fuseScores([], ranked(['x', 0.9], ['y', 0.7])).map((d) => d.id)).toEqual(['x', 'y']);
    expect(fuseScores(ranked(['x', 2], ['y', 4]), []).map((d) => [d.id, d.score])).toEqual([
      ['x', 0.5],
      ['y', 1],
    ]);
  });

  it('weights follow lexicalWeight', () => {
    const lexical = ranked(['a', 10], ['b', 5]);
    const semantic = ranked(['b', 0.9], ['a', 0.5]);
    expect(fuseScores(lexical, semantic, { lexicalWeight: 1 })[0].id).toBe('a');
    expect(fuseScores(lexical, semantic, { lexicalWeight: 0 })[0].id).toBe('b');
  });
});

describe('lexicalWeightFor', () => {
  it('lets BM25 lead for descriptive queries and identifiers, meaning for one or two plain words', () => {
    expect(lexicalWeightFor('an archiving utility for tape drives')).toBe(0.9);
    expect(lexicalWeightFor('ENOSPC')).toBe(0.9);
    expect(lexicalWeightFor('pthread_create')).toBe(0.9);
    expect(lexicalWeightFor('node 20 upgrade')).toBe(0.9);
    expect(lexicalWeightFor('cheek')).toBe(0.1);
    expect(lexicalWeightFor('the parental leave')).toBe(0.1);
  });
});

describe('reciprocalRankFusion', () => {
  it('sums 1/(k+rank) over lists', () => {
    const fused = reciprocalRankFusion([ranked(['a', 9], ['b', 1]), ranked(['b', 9], ['c', 1])], 60);
    expect(fused[0].id).toBe('b');
    expect(fused[0].score).toBeCloseTo(1 / 62 + 1 / 61);
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

import { meanScores, ndcg, recall, reciprocalRank, scoreRanking } from './relevance';

describe('relevance measures', () => {
  const grades = { a: 3, b: 1, z: 0 };

  it('MRR@k: 1 / rank of the first relevant document in the top k', () => {
    expect(reciprocalRank(['a', 'x'], grades)).toBe(1);
    expect(reciprocalRank(['x', 'z', 'b'], grades)).toBeCloseTo(1 / 3);
    expect(reciprocalRank(['x', 'y', 'b'], grades, 2)).toBe(0);
    expect(reciprocalRank([], grades)).toBe(0);
  });

  it('nDCG@k: 1 for the ideal order, less for any other, 0 with nothing relevant found', () => {
    expect(ndcg(['a', 'b'], grades)).toBe(1);
    const swapped = ndcg(['b', 'a'], grades);
    // DCG = (2^1-1)/log2(2) + (2^3-1)/log2(3); ideal = 7 + 1/log2(3)
    expect(swapped).toBeCloseTo((1 + 7 / Math.log2(3)) / (7 + 1 / Math.log2(3)));
    expect(ndcg(['x', 'y'], grades)).toBe(0);
    expect(ndcg(['a', 'b'], { z: 0 })).toBe(0);
  });

  it('nDCG@k only counts the top k, and the ideal is cut at k too', () => {
    expect(ndcg(['x', 'a'], { a: 1 }, 1)).toBe(0);
    expect(ndcg(['a'], { a: 1, b: 1 }, 1)).toBe(1);
  });

  it('recall@k: share of the relevant documents in the top k (grade 0 is not relevant)', () => {
    expect(recall(['a', 'x', 'b'], grades, 2)).toBe(0.5);
    expect(recall(['a', 'x', 'b'], grades, 10)).toBe(1);
    expect(recall(['z'], { z: 0 }, 10)).toBe(0);
  });

  it('averages every measure over queries', () => {
    const mean = meanScores([scoreRanking(['a'], { a: 1 }), scoreRanking(['x'], { a: 1 })]);
    expect(mean).toEqual({ 'MRR@10': 0.5, 'nDCG@10': 0.5, 'recall@10': 0.5, 'recall@100': 0.5 });
    expect(meanScores([])['MRR@10']).toBe(0);
  });
});

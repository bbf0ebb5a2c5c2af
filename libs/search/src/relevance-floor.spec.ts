import { centroidOf, cosineOfKnnScore, noMatch, semanticMargin, type MatchBars } from './relevance-floor';

const BARS: MatchBars = { noWords: 0.065 };
const unit = (...xs: number[]) => xs.map((x) => x / Math.hypot(...xs));
/** A kNN score whose cosine is `cos`. */
const knn = (cos: number) => (1 + cos) / 2;
const weak = [
  { id: 'a', score: 1.2 },
  { id: 'b', score: 1.1 },
];

describe('relevance floor', () => {
  it('measures the best chunk against the query’s mean cosine to the scope', () => {
    const centroid = centroidOf([unit(1, 0), unit(0, 1), [2, 0]])!;
    expect(centroid[0]).toBeCloseTo(2 / 3);
    expect(cosineOfKnnScore(knn(0.8))).toBeCloseTo(0.8);
    expect(semanticMargin({ lexical: [], bestChunkScore: knn(0.9), query: [1, 0], centroid })).toBeCloseTo(
      0.9 - 2 / 3,
    );
    expect(centroidOf([])).toBeUndefined();
  });

  it('no words and a best chunk barely above the background: nothing matched', () => {
    const centroid = [0.8, 0];
    expect(noMatch({ lexical: [], bestChunkScore: knn(0.85), query: [1, 0], centroid }, BARS)).toBe(true);
    expect(noMatch({ lexical: [], bestChunkScore: knn(0.87), query: [1, 0], centroid }, BARS)).toBe(false);
  });

  it('a word that occurs is a match, however weak the meaning', () => {
    expect(
      noMatch({ lexical: weak, bestChunkScore: knn(0.5), query: [1, 0], centroid: [0.8, 0] }, BARS),
    ).toBe(false);
  });

  it('a model without calibrated bars has no floor, and nothing found is nothing', () => {
    expect(
      noMatch({ lexical: [], bestChunkScore: knn(0.81), query: [1, 0], centroid: [0.8, 0] }, undefined),
    ).toBe(false);
    expect(noMatch({ lexical: [], query: [1, 0] }, BARS)).toBe(true);
    expect(noMatch({ lexical: weak, query: [1, 0] }, BARS)).toBe(false);
  });
});

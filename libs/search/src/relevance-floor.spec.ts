import {
  barFor,
  centroidOf,
  cosineOfKnnScore,
  MATCH_BARS,
  noMatch,
  semanticMargin,
  type MatchBars,
} from './relevance-floor';

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

  describe('by whether the query is made of words the model knows (e5-small-v2’s bars)', () => {
    const e5 = MATCH_BARS['local:e5-small-v2'];
    const centroid = [0.8, 0];
    /** A query sharing no word with the scope whose best chunk stands `margin` above its background. */
    const wordless = (margin: number, knownWordShare?: number) => ({
      lexical: [],
      bestChunkScore: knn(0.8 + margin),
      query: [1, 0],
      centroid,
      ...(knownWordShare === undefined ? {} : { knownWordShare }),
    });

    it('a real word the collection lacks, found by meaning below the single bar, keeps its hits', () => {
      // WordNet's "corporation" (0.044) and "newspaper" (0.059): answer at rank 1, emptied by the old rule.
      expect(noMatch(wordless(0.044, 1), e5)).toBe(false);
      expect(noMatch(wordless(0.059, 1), e5)).toBe(false);
      // Half of its words whole ("terra firma") counts as known.
      expect(noMatch(wordless(0.045, 0.5), e5)).toBe(false);
      // "province" (0.035, answer in the top 10), emptied at the bar of 0.04.
      expect(noMatch(wordless(0.035, 1), e5)).toBe(false);
      // Barely above the background is still nothing, even for known words (an off-topic word).
      expect(noMatch(wordless(0.025, 1), e5)).toBe(true);
    });

    it('gibberish, whose words fall into fragments, is held to a stricter bar than the single one', () => {
      // AppStream's most similar gibberish reached 0.083, through the old bar of 0.065.
      expect(noMatch(wordless(0.083, 0), e5)).toBe(true);
      expect(noMatch(wordless(0.07, 1 / 3), e5)).toBe(true);
      expect(noMatch(wordless(0.1, 0), e5)).toBe(false);
    });

    it('an embedder that cannot tell (undefined share) keeps the single bar', () => {
      expect(barFor({}, e5)).toBe(e5.noWords);
      expect(noMatch(wordless(0.044), e5)).toBe(true);
      expect(noMatch(wordless(0.07), e5)).toBe(false);
      expect(barFor({ knownWordShare: 1 }, BARS)).toBe(BARS.noWords);
    });
  });
});

import {
  DEFAULT_FUSION,
  fuse,
  leaderStandsOut,
  poolChunks,
  normalUpperTail,
  standardScores,
  type FusionMethod,
} from './fusion';

const ranked = (...entries: [string, number][]) => entries.map(([id, score]) => ({ id, score }));
const ids = (docs: { id: string }[]) => docs.map((d) => d.id);
/** A lexical list as BM25 gives one for a query whose words many documents share: `count` ordinary matches. */
const ordinary = (count: number, prefix = 'm') =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, score: 5 - (i % 5) * 0.5 }));

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
    const lex = [{ id: 'a', score: 20 }, ...ordinary(11)];
    const sem = ranked(['m0', 0.8], ['m1', 0.78], ['a', 0.7], ['m2', 0.69], ['m3', 0.68]);
    expect(fuse(lex, sem, { semanticRatio: 0.3, method: 'relative' })[0].id).toBe('a');
  });

  it('relative lets meaning settle close lexical calls', () => {
    const lex = [{ id: 'a', score: 14 }, { id: 'b', score: 13.9 }, ...ordinary(20)];
    const sem = ranked(['b', 0.85], ['c', 0.8], ['a', 0.6], ['d', 0.59], ['e', 0.58]);
    expect(ids(fuse(lex, sem, { semanticRatio: 0.3, method: 'relative' })).slice(0, 2)).toEqual(['b', 'a']);
  });

  it('relative gives the words no say when their list singles out nothing (a few documents share the word)', () => {
    // WordNet's shape: the query word is in four definitions of other things, none the answer, and
    // meaning ranks those close to the answer. Their standard scores (up to +1.3 here) used to lift
    // the first of them over the answer at any ratio below 1.
    const lex = ranked(['decoy1', 7.73], ['decoy2', 6.53], ['decoy3', 5.92], ['decoy4', 4.44]);
    const sem = ranked(
      ['answer', 0.9406],
      ['decoy1', 0.9395],
      ['decoy2', 0.9337],
      ['x', 0.9319],
      ['y', 0.92],
    );
    for (const semanticRatio of [0.3, 0.5, DEFAULT_FUSION.semanticRatio, 0.99]) {
      const fused = ids(fuse(lex, sem, { semanticRatio, method: 'relative' }));
      expect(fused.filter((id) => ids(sem).includes(id))).toEqual(ids(sem));
      expect(fused[0]).toBe('answer');
    }
  });

  it('relative gives the words no say when their leader is ahead only of weak one-word matches', () => {
    // "human foot": the definition with both words stands out as a standard score (3.7 of 28, beyond
    // the 5% Bonferroni bound) but not over the list's floor (excess 3.5 mean excesses, the best of
    // 28 exponential scores is expected at 3.9): a two-word match among one-word matches.
    const scores = [
      9.25, 6.89, 6.81, 5.49, 5.25, 4.96, 4.9, 4.82, 4.73, 4.64, 4.53, 4.5, 4.42, 4.38, 4.36, 4.36, 4.34,
      4.32, 4.32, 4.12, 4.06, 3.93, 3.9, 3.82, 3.3, 3.22, 3.15, 2.8,
    ];
    const lex = scores.map((score, i) => ({ id: `l${i}`, score }));
    expect(leaderStandsOut(lex)).toBe(false);
    const sem = ranked(['l2', 0.9426], ['answer', 0.9337], ['l0', 0.9319], ['z', 0.93], ['w', 0.929]);
    expect(ids(fuse(lex, sem, { semanticRatio: 0.85, method: 'relative' })).slice(0, 2)).toEqual([
      'l2',
      'answer',
    ]);
  });

  it('relative puts what only the words found after every meaning match when the words have no say', () => {
    // Four documents share the word and none stands out; meaning found the answer and two others,
    // one of them below its list's average. The word-only documents have no evidence left.
    const lex = ranked(['w1', 7.7], ['w2', 6.5], ['w3', 5.9], ['answer', 4.4]);
    const sem = ranked(['answer', 0.94], ['s1', 0.93], ['s2', 0.8]);
    expect(ids(fuse(lex, sem, DEFAULT_FUSION))).toEqual(['answer', 's1', 's2', 'w1', 'w2', 'w3']);
    // When the words do have a say, a word-only match keeps its standard score beside meaning's mean.
    const standsOut = [{ id: 'page', score: 30 }, ...ordinary(20)];
    const fused = fuse(standsOut, sem, { semanticRatio: 0.5, method: 'relative' });
    expect(fused.find((d) => d.id === 'page')!.score).toBeCloseTo(
      0.5 * standardScores(standsOut).get('page')!,
    );
  });

  it('relative lets a leader that stands out lift a document that meaning ranks a little lower', () => {
    // A man page whose name line holds the query's words: far above a hundred ordinary matches.
    const lex = [{ id: 'page', score: 30 }, ...ordinary(99)];
    expect(leaderStandsOut(lex)).toBe(true);
    const sem = ranked(['other', 0.86], ['page', 0.85], ['m0', 0.8], ['m1', 0.79], ['m2', 0.7], ['m3', 0.6]);
    expect(fuse(lex, sem, DEFAULT_FUSION)[0].id).toBe('page');
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

  it('relative scores are the weighted standard scores of both sides, the words only when they stand out', () => {
    const sem = ranked(['b', 0.9], ['c', 0.7], ['a', 0.5]);
    const semZ = standardScores(sem);
    const standsOut = [{ id: 'a', score: 30 }, ...ordinary(20)];
    const lexZ = standardScores(standsOut);
    const fused = fuse(standsOut, sem, { semanticRatio: 0.25, method: 'relative' });
    expect(fused.find((d) => d.id === 'a')!.score).toBeCloseTo(0.75 * lexZ.get('a')! + 0.25 * semZ.get('a')!);
    expect(fused.find((d) => d.id === 'c')!.score).toBeCloseTo(0.25 * semZ.get('c')!);
    const singlesOutNothing = fuse(ranked(['a', 3], ['b', 1]), sem, {
      semanticRatio: 0.25,
      method: 'relative',
    });
    expect(singlesOutNothing.find((d) => d.id === 'a')!.score).toBeCloseTo(0.25 * semZ.get('a')!);
  });

  it('the default is relative, mostly semantic (chosen in bench/fusion-study.ts)', () => {
    expect(DEFAULT_FUSION).toEqual({ method: 'relative', semanticRatio: 0.85 });
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

describe('leaderStandsOut', () => {
  it('a list of one, or of equal scores, has no leader', () => {
    expect(leaderStandsOut([])).toBe(false);
    expect(leaderStandsOut(ranked(['a', 9]))).toBe(false);
    expect(leaderStandsOut(ranked(['a', 2], ['b', 2], ['c', 2]))).toBe(false);
  });

  it('a list of 7 or fewer never singles one out, however far ahead it is', () => {
    expect(leaderStandsOut([{ id: 'a', score: 1000 }, ...ordinary(6)])).toBe(false);
    expect(leaderStandsOut([{ id: 'a', score: 1000 }, ...ordinary(7)])).toBe(true);
  });

  it('a leader far above many ordinary matches stands out; one among its peers does not', () => {
    expect(leaderStandsOut([{ id: 'a', score: 20 }, ...ordinary(99)])).toBe(true);
    expect(leaderStandsOut([{ id: 'a', score: 5.6 }, ...ordinary(99)])).toBe(false);
  });

  it('needs both models: beyond the normal bound and beyond the expected best exponential excess', () => {
    const normalPasses = (list: { id: string; score: number }[]) =>
      list.length * normalUpperTail(Math.max(...standardScores(list).values())) < 0.05;
    const excess = (list: { score: number }[]) => {
      const scores = list.map((d) => d.score);
      const floor = Math.min(...scores);
      const mean = scores.reduce((sum, v) => sum + v, 0) / scores.length;
      return (Math.max(...scores) - floor) / (mean - floor);
    };
    const harmonic = (n: number) => Array.from({ length: n }, (_, k) => 1 / (k + 1)).reduce((x, y) => x + y);
    // WordNet's "human foot": far above the mean of 28 matches, not far above the weakest of them.
    const humanFoot = [
      9.25, 6.89, 6.81, 5.49, 5.25, 4.96, 4.9, 4.82, 4.73, 4.64, 4.53, 4.5, 4.42, 4.38, 4.36, 4.36, 4.34,
      4.32, 4.32, 4.12, 4.06, 3.93, 3.9, 3.82, 3.3, 3.22, 3.15, 2.8,
    ].map((score, i) => ({ id: `h${i}`, score }));
    expect(normalPasses(humanFoot)).toBe(true);
    expect(excess(humanFoot)).toBeLessThan(harmonic(28));
    expect(leaderStandsOut(humanFoot)).toBe(false);
    // Far ahead of four others: a big excess, but five scores cannot make a standard score count.
    const fewMatches = ranked(['a', 10], ['b', 1], ['c', 1.1], ['d', 1.2], ['e', 1.3]);
    expect(excess(fewMatches)).toBeGreaterThan(harmonic(5));
    expect(normalPasses(fewMatches)).toBe(false);
    expect(leaderStandsOut(fewMatches)).toBe(false);
  });

  it('does not depend on the scale of the scores', () => {
    const list = [{ id: 'a', score: 20 }, ...ordinary(40)];
    expect(leaderStandsOut(list.map((d) => ({ ...d, score: d.score * 1000 })))).toBe(leaderStandsOut(list));
  });
});

describe('normalUpperTail', () => {
  it('is the upper tail of the standard normal', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(3.290527)).toBeCloseTo(0.0005, 7);
    expect(normalUpperTail(-1)).toBeCloseTo(0.841345, 6);
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

describe('poolChunks', () => {
  it('scores each document by its best chunk (max-pooling) without whole-document hits', () => {
    const pooled = poolChunks([
      { docId: 'a', score: 0.5, chunk: 0 },
      { docId: 'b', score: 0.7, chunk: 0 },
      { docId: 'a', score: 0.9, chunk: 3 },
    ]);
    expect(pooled.map((d) => [d.id, d.score, d.chunkScore, d.chunk])).toEqual([
      ['a', 0.9, 0.9, 3],
      ['b', 0.7, 0.7, 0],
    ]);
  });

  it('scores a document of several chunks by the mean of its best chunk and its whole-document vector', () => {
    // "a" has many chunks: one of them happens to be near the query, the document as a whole is not.
    const pooled = poolChunks(
      [
        { docId: 'a', score: 0.9, chunk: 4 },
        { docId: 'b', score: 0.86, chunk: 0 },
        { docId: 'a', score: 0.8, chunk: 1 },
      ],
      [{ docId: 'a', score: 0.7, chunk: 0 }],
    );
    expect(pooled.map((d) => [d.id, d.score, d.chunkScore, d.chunk])).toEqual([
      ['b', 0.86, 0.86, 0],
      ['a', 0.8, 0.9, 4],
    ]);
  });

  it('gives a document of several chunks whose whole was not found the lowest whole-document score found', () => {
    const pooled = poolChunks(
      [
        { docId: 'long', score: 0.9, chunk: 7, documentChunks: 12 },
        { docId: 'short', score: 0.88, chunk: 0, documentChunks: 1 },
        { docId: 'other', score: 0.8, chunk: 2, documentChunks: 3 },
      ],
      [{ docId: 'other', score: 0.84, chunk: 0, documentChunks: 3 }],
    );
    // "long"'s whole is no nearer than the lowest found (0.84): (0.9 + 0.84) / 2, below "short", a
    // document of one chunk scored by it. By its best chunk alone "long" would lead.
    expect(pooled.map((d) => d.id)).toEqual(['short', 'long', 'other']);
    expect(pooled[1].score).toBeCloseTo(0.87);
    expect(pooled[2].score).toBeCloseTo(0.82);
  });

  it('gives a document only the whole-document search found the lowest chunk score found, shown from its first chunk', () => {
    const pooled = poolChunks(
      [
        { docId: 'a', score: 0.9, chunk: 2 },
        { docId: 'b', score: 0.8, chunk: 0 },
      ],
      [{ docId: 'c', score: 0.9, chunk: 0 }],
    );
    expect(pooled.map((d) => [d.id, d.chunkScore, d.chunk])).toEqual([
      ['a', 0.9, 2],
      ['c', 0.8, 0],
      ['b', 0.8, 0],
    ]);
    expect(pooled[1].score).toBeCloseTo(0.85);
  });
});

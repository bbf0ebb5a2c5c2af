export interface RankedDoc {
  id: string;
  score: number;
}

export const FUSION_METHODS = ['rrf', 'relative'] as const;
/** `rrf`: weighted reciprocal rank fusion; `relative`: a weighted blend of standardised scores. */
export type FusionMethod = (typeof FUSION_METHODS)[number];

export interface FusionOptions {
  /** Share of the semantic retriever (0 = lexical ranking only, 1 = semantic ranking only). */
  semanticRatio: number;
  method: FusionMethod;
  /** RRF's rank constant: larger values flatten the difference between neighbouring ranks. */
  rrfK?: number;
}

/** Where a document stood in one retriever's list (rank counts from 1). */
export interface RetrieverPosition {
  rank: number;
  score: number;
}

export interface FusedDoc {
  id: string;
  score: number;
  lexical: RetrieverPosition | null;
  semantic: RetrieverPosition | null;
}

/**
 * The default weighting of hybrid search, chosen by measurement on the cached rankings of three
 * corpora x three models (bench/fusion-study.ts): the ratio whose margins over the single modes,
 * sorted from the worst up, are best (leximin: the largest worst margin, then the largest second
 * worst, ...). A default must hold on collections nobody measured, so it is judged by its worst
 * cases, not its mean. With e5-small-v2, MRR@10 / nDCG@10:
 *
 * | corpus | lexical | semantic | before: relative 0.9, words always | relative 0.85, words when they stand out |
 * |---|---|---|---|---|
 * | man pages | 0.730 / 0.773 | 0.760 / 0.794 | 0.782 / 0.814 | 0.784 / 0.817 |
 * | WordNet | 0.000 / 0.000 | 0.339 / 0.391 | 0.337 / 0.389 | 0.339 / 0.391 |
 * | Python docstrings | 0.562 / 0.614 | 0.709 / 0.759 | 0.716 / 0.766 | 0.718 / 0.767 |
 *
 * WordNet is built so that no query word is in its answer while other documents do contain it;
 * there the words' list has no leader that stands out beyond chance in 299 queries of 300, so
 * hybrid ranks as meaning does. all-MiniLM-L6-v2 and bge-small-en-v1.5 show the same (README,
 * Benchmarks). The man pages alone would pick 0.65, which loses 0.013 to semantic search on
 * docstrings; the blind check is a corpus this choice never saw. `quarry eval --sweep` shows a
 * collection's own.
 */
export const DEFAULT_FUSION: FusionOptions = { semanticRatio: 0.85, method: 'relative' };

export const RRF_K = 60;

/**
 * Standard scores (zero mean, unit variance over the list; "ZMUV", Montague & Aslam, CIKM 2001):
 * how far above its own list's typical candidate a document stands. BM25 and cosine live on
 * unrelated scales (BM25 grows with query length and term rarity, e5's cosines sit in a narrow
 * band near 0.8), and min-max or max scaling gives a list's leader the full weight however little
 * it stands out: one weak keyword match among three became as strong as a clear semantic winner.
 * A list whose scores are all equal (or that has one entry) says nothing about which is better,
 * so its documents get 0, the same as a document the list does not hold.
 */
export function standardScores(list: RankedDoc[]): Map<string, number> {
  if (list.length === 0) return new Map();
  const mean = list.reduce((sum, d) => sum + d.score, 0) / list.length;
  const deviation = Math.sqrt(list.reduce((sum, d) => sum + (d.score - mean) ** 2, 0) / list.length);
  return new Map(list.map((d) => [d.id, deviation > 0 ? (d.score - mean) / deviation : 0]));
}

/** Numerical Recipes' erfcc: erfc(x) = t exp(-x^2 + c0 + c1 t + ... + c9 t^9), t = 1 / (1 + x/2). */
const ERFC_COEFFICIENTS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
];

/**
 * The chance that a standard normal variable exceeds `z` (its upper tail, 1 - Φ(z)), from the
 * complementary error function (Numerical Recipes' erfcc: relative error below 1.2e-7).
 */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const polynomial = ERFC_COEFFICIENTS.reduceRight((sum, c) => c + t * sum, 0);
  const erfc = t * Math.exp(-x * x + polynomial);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** The significance level at which a list's leader counts as standing out (the usual 5%). */
export const STANDOUT_SIGNIFICANCE = 0.05;

/**
 * Whether a list's best document stands out from the rest by more than chance would make the
 * best of that many ordinary documents stand out. Any list has a leader: the question is whether
 * it is a real one. Two models of "ordinary" are asked, and both must agree, because BM25 scores
 * fit neither exactly:
 *
 * - normal: the leader's standard score is beyond what the best of n normal draws reaches in 5%
 *   of lists (Bonferroni: n times the upper tail of one draw is below 0.05). A list of 7 or
 *   fewer can never pass (no standard score in a list of n exceeds the square root of n - 1): a
 *   handful of matches is no evidence, whatever their scores.
 * - exponential: the leader's excess over the list's lowest score, in units of the mean excess,
 *   is larger than the expected largest of n exponential draws (the harmonic number H(n) =
 *   1 + 1/2 + ... + 1/n). Scores of documents that merely share a query word are classically
 *   modelled as exponential (Manmatha, Rath & Feng, "Modeling score distributions for combining
 *   the outputs of search engines", SIGIR 2001), and the exponential is memoryless, so the test
 *   reads the same on a list cut at 100 as on a complete one.
 *
 * Each test alone let a few word lists through on WordNet, where no list holds the answer: the
 * normal one a definition holding both words of a two-word query among 27 that hold one (far
 * above their mean, not far above their floor), the exponential one 63 short lists whose leader is
 * well above the weakest match but whose standard score cannot reach the bound; either way hybrid
 * fell a little below meaning alone there.
 */
export function leaderStandsOut(list: RankedDoc[]): boolean {
  const n = list.length;
  if (n < 2) return false;
  const scores = list.map((d) => d.score);
  const mean = scores.reduce((sum, s) => sum + s, 0) / n;
  const deviation = Math.sqrt(scores.reduce((sum, s) => sum + (s - mean) ** 2, 0) / n);
  if (deviation === 0) return false;
  const best = Math.max(...scores);
  const floor = Math.min(...scores);
  const normal = n * normalUpperTail((best - mean) / deviation) < STANDOUT_SIGNIFICANCE;
  let harmonic = 0;
  for (let k = 1; k <= n; k++) harmonic += 1 / k;
  const exponential = (best - floor) / (mean - floor) > harmonic;
  return normal && exponential;
}

function positions(list: RankedDoc[]): Map<string, RetrieverPosition> {
  return new Map(list.map((d, i) => [d.id, { rank: i + 1, score: d.score }]));
}

/**
 * Whether the words' list has a say in a `relative` fusion: when its leader stands out beyond
 * chance, or when there is nothing else to rank by. Otherwise meaning alone ranks the query.
 */
export function wordsCount(lexical: RankedDoc[], semantic: RankedDoc[]): boolean {
  return semantic.length === 0 || leaderStandsOut(lexical);
}

/**
 * Hybrid ranking of a lexical (BM25) and a semantic (kNN) list, weighted by `semanticRatio`.
 * A retriever whose weight is 0 contributes no candidates, so ratio 0 is exactly the lexical
 * ranking and ratio 1 exactly the semantic one. `rrf` only looks at ranks. `relative` blends
 * standard scores, so it keeps score gaps (a clear BM25 winner stays first while close calls are
 * settled by meaning) and a side counts by how far its candidates stand out.
 *
 * In `relative`, the words have a say beside meaning only when their list singles a document out
 * ({@link leaderStandsOut}); otherwise their standard scores count 0, as a list of one or of equal
 * scores already did. Why: a word list always has a leader, and when the query's words occur in
 * many documents about other things (a definition that uses the word, a page that mentions it),
 * the leader is one of those, and the standard score turns that into a push of a full standard
 * deviation or more. A small share of that push was enough to lift such a document over the
 * answer that meaning had ranked just above it: on WordNet, where no answer contains its query
 * word, every weight on words lost a little, at any ratio. A leader that stands out beyond chance
 * is evidence (a page's name line, a function's own name); one that does not is noise, however
 * the ratio weighs it. Ties go to the better lexical rank, then the better semantic rank.
 */
export function fuse(lexical: RankedDoc[], semantic: RankedDoc[], options: FusionOptions): FusedDoc[] {
  const ratio = Math.min(1, Math.max(0, options.semanticRatio));
  const lex = positions(ratio < 1 ? lexical : []);
  const sem = positions(ratio > 0 ? semantic : []);
  const lexicalWeight = 1 - ratio;
  let scoreOf: (id: string) => number;
  if (options.method === 'rrf') {
    const k = options.rrfK ?? RRF_K;
    const term = (position?: RetrieverPosition) => (position ? 1 / (k + position.rank) : 0);
    scoreOf = (id) => lexicalWeight * term(lex.get(id)) + ratio * term(sem.get(id));
  } else {
    const counted = wordsCount(lexical, ratio > 0 ? semantic : []);
    const lexNorm = counted ? standardScores(lexical) : new Map<string, number>();
    const semNorm = standardScores(semantic);
    // When the words have no say, a document only they found has no evidence left: it goes after
    // every document meaning found (one standard deviation below the lowest), not at the semantic
    // mean (0), where it stood above every below-average meaning match. Measured on the cached
    // rankings: MRR@10 and nDCG@10 unchanged on every corpus and model; recall@100 up on 6 of 12
    // (0.970 -> 0.977 .. 0.973 -> 0.997), down on 1 (docstrings with e5: 0.990 -> 0.987).
    const unfound = counted ? 0 : Math.min(0, ...semNorm.values()) - 1;
    scoreOf = (id) => lexicalWeight * (lexNorm.get(id) ?? 0) + ratio * (semNorm.get(id) ?? unfound);
  }
  const ids = new Set([...lex.keys(), ...sem.keys()]);
  return [...ids]
    .map((id): FusedDoc => ({
      id,
      score: scoreOf(id),
      lexical: lex.get(id) ?? null,
      semantic: sem.get(id) ?? null,
    }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        (a.lexical?.rank ?? Infinity) - (b.lexical?.rank ?? Infinity) ||
        (a.semantic?.rank ?? Infinity) - (b.semantic?.rank ?? Infinity),
    );
}

/**
 * A document's score by meaning (`poolChunks`, and live results as they arrive): its best chunk's
 * similarity, and for a document of several chunks the mean of that and its whole-document
 * vector's.
 */
export function documentScore(bestChunk: number, whole?: number): number {
  return whole === undefined ? bestChunk : (bestChunk + whole) / 2;
}

/**
 * Chunk hits and whole-document hits → document hits. A document of one chunk scores as that
 * chunk (without `documents`, this is max-pooling: each document scored by its best chunk). A
 * document of several chunks scores the mean of its best chunk and its whole-document vector
 * (`document_embedding`, stored on its first chunk; `document-vector.ts`): max-pooling alone gives
 * a document of many chunks many draws at every query, and its many draws outranked the answer.
 * Measured with exact vectors (bench/semantic-ceiling.ts, 400 documents, 200 queries,
 * e5-small-v2), MRR@10 against max-pooling: AppStream 0.829 → 0.851 (ceiling 0.851), man pages
 * 0.816 → 0.842, docstrings 0.811 → 0.817; the chunk centroid in place of the whole-document
 * vector lost on two.
 *
 * Both lists are the nearest of their kind, so a score can be missing, and the lowest score of
 * its list found stands in for it (the missing one is no better): for a document only the
 * whole-document search found (shown from its first chunk), and for a document of several chunks
 * (`documentChunks`) the chunk search found without its whole document. Scoring the latter by its
 * best chunk alone, as a document of one chunk is, put it ahead of the documents whose whole was
 * found (man pages, with 512-token whole documents: 0.820 against 0.834 exact). `chunkScore` is
 * the best chunk's own score: what the relevance floor and the choice of the shown chunk weigh.
 */
export function poolChunks<T extends { docId: string; score: number; documentChunks?: number }>(
  chunks: T[],
  documents: T[] = [],
): (T & { id: string; chunkScore: number })[] {
  const best = new Map<string, T>();
  for (const chunk of chunks) {
    const current = best.get(chunk.docId);
    if (!current || chunk.score > current.score) best.set(chunk.docId, chunk);
  }
  // One whole-document vector per document: only its first chunk carries one.
  const whole = new Map(documents.map((document) => [document.docId, document]));
  const lowest = (list: T[]) => list.reduce((min, hit) => Math.min(min, hit.score), Infinity);
  const lowestChunk = lowest(chunks);
  const lowestWhole = lowest(documents);
  const pooled: (T & { id: string; chunkScore: number })[] = [];
  for (const [docId, chunk] of best) {
    const wholeScore =
      whole.get(docId)?.score ??
      ((chunk.documentChunks ?? 1) > 1 && documents.length ? lowestWhole : undefined);
    pooled.push({
      ...chunk,
      id: docId,
      score: documentScore(chunk.score, wholeScore),
      chunkScore: chunk.score,
    });
  }
  for (const [docId, document] of whole) {
    if (best.has(docId)) continue;
    const chunkScore = Number.isFinite(lowestChunk) ? lowestChunk : document.score;
    pooled.push({ ...document, id: docId, score: documentScore(chunkScore, document.score), chunkScore });
  }
  return pooled.sort((a, b) => b.score - a.score);
}

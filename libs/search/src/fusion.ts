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
 * The default weighting of hybrid search, chosen by measurement (bench/search.bench.ts sweeps
 * semanticRatio x fusion through `evaluate_search`): the weighting whose worst shortfall against
 * either single mode, over the tuning corpora (man pages, WordNet), is smallest. A default must
 * hold on collections nobody measured, so it is chosen for its worst case, not its best. It was
 * then checked on Python docstrings, held out. With e5-small-v2, MRR@10 / nDCG@10:
 *
 * | corpus | lexical | semantic | relative 0.9 |
 * |---|---|---|---|
 * | man pages (tuning) | 0.730 / 0.773 | 0.760 / 0.794 | 0.782 / 0.814 |
 * | WordNet (tuning) | 0.000 / 0.000 | 0.339 / 0.391 | 0.337 / 0.389 |
 * | Python docstrings (held out) | 0.562 / 0.614 | 0.709 / 0.759 | 0.716 / 0.766 |
 *
 * WordNet is built so that no query word is in its answer while other documents do contain it:
 * there every weight on words costs a little (0.002 here), and a lower ratio gains more on man
 * pages (0.810 at 0.6) for more loss there (0.009). all-MiniLM-L6-v2 and bge-small-en-v1.5 show
 * the same (README, Benchmarks). `quarry eval --sweep` shows a collection's own.
 */
export const DEFAULT_FUSION: FusionOptions = { semanticRatio: 0.9, method: 'relative' };

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

function positions(list: RankedDoc[]): Map<string, RetrieverPosition> {
  return new Map(list.map((d, i) => [d.id, { rank: i + 1, score: d.score }]));
}

/**
 * Hybrid ranking of a lexical (BM25) and a semantic (kNN) list, weighted by `semanticRatio`.
 * A retriever whose weight is 0 contributes no candidates, so ratio 0 is exactly the lexical
 * ranking and ratio 1 exactly the semantic one. `relative` blends standard scores, so it keeps
 * score gaps (a clear BM25 winner stays first while close calls are settled by meaning) and a
 * side counts by how far its candidates stand out; `rrf` only looks at ranks. Ties go to the
 * better lexical rank, then the better semantic rank.
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
    const lexNorm = standardScores(lexical);
    const semNorm = standardScores(semantic);
    scoreOf = (id) => lexicalWeight * (lexNorm.get(id) ?? 0) + ratio * (semNorm.get(id) ?? 0);
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

/** Chunk hits → document hits, each document scored by its best chunk (max-pooling). */
export function maxPoolChunks<T extends { docId: string; score: number }>(
  chunks: T[],
): (T & { id: string })[] {
  const best = new Map<string, T>();
  for (const chunk of chunks) {
    const current = best.get(chunk.docId);
    if (!current || chunk.score > current.score) best.set(chunk.docId, chunk);
  }
  return [...best.values()].map((c) => ({ ...c, id: c.docId })).sort((a, b) => b.score - a.score);
}

export interface RankedDoc {
  id: string;
  score: number;
}

export const FUSION_METHODS = ['rrf', 'relative'] as const;
/** `rrf`: weighted reciprocal rank fusion; `relative`: a weighted blend of normalised scores. */
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
 * The default weighting of hybrid search, chosen by measurement: bench/search.bench.ts sweeps
 * semanticRatio x fusion through `evaluate_search` on the man-page corpus (tuning) and checks the
 * choice on WordNet (held out). On the man pages relative 0.5 gave MRR@10 0.805 / nDCG@10 0.842
 * against lexical 0.730 / 0.773 and semantic 0.760 / 0.794 (e5-small-v2). On WordNet, where no
 * query word is in its answer, semantic alone (0.339) beats every blend (0.230 at 0.5): such
 * collections want a ratio near 1, which `quarry eval --sweep` shows.
 */
export const DEFAULT_FUSION: FusionOptions = { semanticRatio: 0.5, method: 'relative' };

export const RRF_K = 60;

/** Scores scaled to [0, 1] by the list's best score: keeps how far behind the leader each document is. */
function normaliseByMax(list: RankedDoc[]): Map<string, number> {
  const max = list.reduce((m, d) => Math.max(m, d.score), 0);
  return new Map(list.map((d) => [d.id, max > 0 ? d.score / max : 0]));
}

/**
 * Cosine scores of a kNN list sit in a narrow band (related and unrelated texts alike), so they
 * are stretched over the list's own range: the best candidate gets 1, the weakest 0. Without
 * this the semantic side could hardly move a document.
 */
function normaliseMinMax(list: RankedDoc[]): Map<string, number> {
  if (list.length === 0) return new Map();
  const max = Math.max(...list.map((d) => d.score));
  const min = Math.min(...list.map((d) => d.score));
  const range = max - min;
  return new Map(list.map((d) => [d.id, range > 0 ? (d.score - min) / range : 1]));
}

function positions(list: RankedDoc[]): Map<string, RetrieverPosition> {
  return new Map(list.map((d, i) => [d.id, { rank: i + 1, score: d.score }]));
}

/**
 * Hybrid ranking of a lexical (BM25) and a semantic (kNN) list, weighted by `semanticRatio`.
 * A retriever whose weight is 0 contributes no candidates, so ratio 0 is exactly the lexical
 * ranking and ratio 1 exactly the semantic one. `relative` keeps score gaps (a clear BM25 winner
 * stays first while close calls are settled by meaning); `rrf` only looks at ranks. Ties go to
 * the better lexical rank, then the better semantic rank.
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
    const lexNorm = normaliseByMax(lexical);
    const semNorm = normaliseMinMax(semantic);
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

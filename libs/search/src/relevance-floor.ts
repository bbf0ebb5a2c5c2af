import type { RankedDoc } from './fusion';

/**
 * Whether a query found anything at all: the relevance floor of semantic and hybrid search.
 *
 * A nearest-neighbour search always has neighbours, and e5's cosines sit in a narrow band (a
 * gibberish query's best chunk is about as similar, 0.79-0.83, as a real query's answer,
 * 0.78-0.90), so no floor on a hit's own similarity tells the two apart: any that removes
 * gibberish drops a third of the real answers. What does tell them apart is how far the best chunk
 * stands above the query's similarity to the collection at large (the mean over a sample of its
 * chunks: the query's "background"), together with the words: a real query shares words with the
 * collection, a gibberish one does not. So a query has no match when none of its words occurs in
 * the scope and its best chunk's margin over the background is below the model's bar.
 *
 * Calibrated with e5-small-v2 on three corpora (400 Python docstrings with their summary lines as
 * queries, 200 man pages of man1 rendered by mandoc with their NAME lines as queries, this
 * project's docs and README with their section headings; 157 gibberish queries each of random
 * letters and pseudo-words): every one of the 624 real queries shares a word with its corpus, so
 * none loses its hits; of the 471 gibberish queries, 5 share a word ("foo bar baz qux", "lorem
 * ipsum dolor sit amet", "sec ...") and find what holds it, and 1 clears the bar by meaning alone.
 * What it costs: a query that shares no word with the collection and matches by meaning only
 * (a paraphrase) clears the bar 75-91% of the time (at 0.06: 79-95%, with 4 gibberish of 471
 * through by meaning; at 0.07: 75-89%, with 0).
 *
 * The background needs enough chunks to be one: a scope of fewer than
 * {@link MIN_BACKGROUND} chunks is measured against the whole index, and an index that small has
 * no floor.
 */
export interface MatchBars {
  /** The margin the best chunk needs when none of the query's words occurs in the scope. */
  noWords: number;
}

/** The fewest chunk vectors a background is measured on. */
export const MIN_BACKGROUND = 64;

/** Per embedding model (the embedder's id); a model not listed has no floor. */
export const MATCH_BARS: Record<string, MatchBars> = {
  'local:e5-small-v2': { noWords: 0.065 },
};

/** The mean of unit-length copies of `vectors`: a query's dot product with it is its mean cosine to them. */
export function centroidOf(vectors: number[][]): number[] | undefined {
  if (vectors.length === 0) return undefined;
  const sum = new Array<number>(vectors[0].length).fill(0);
  for (const vector of vectors) {
    const norm = Math.hypot(...vector) || 1;
    for (let i = 0; i < sum.length; i++) sum[i] += vector[i] / norm;
  }
  return sum.map((x) => x / vectors.length);
}

/** Elasticsearch scores a `cosine` kNN hit (1 + cos) / 2; this is the cosine back. */
export function cosineOfKnnScore(score: number): number {
  return 2 * score - 1;
}

export interface MatchEvidence {
  /** The words' candidates (BM25), best first. */
  lexical: RankedDoc[];
  /** The best chunk's kNN score as Elasticsearch gives it, if any chunk was found. */
  bestChunkScore?: number;
  /** The query vector and the scope's centroid (`centroidOf` a sample of its chunk vectors). */
  query: number[];
  centroid?: number[];
}

/** The best chunk's cosine minus the query's mean cosine to the scope (undefined without one of them). */
export function semanticMargin(evidence: MatchEvidence): number | undefined {
  const { bestChunkScore, centroid, query } = evidence;
  if (bestChunkScore === undefined || !centroid) return undefined;
  let background = 0;
  for (let i = 0; i < query.length; i++) background += query[i] * centroid[i];
  return cosineOfKnnScore(bestChunkScore) - background;
}

/**
 * Whether the query matched nothing: none of its words occurs in the scope and its best chunk is
 * below the model's bar. A word that occurs is a match a lexical engine would show (a made-up
 * query that shares a real word, "lorem ipsum dolor sit amet", finds what holds "sit").
 */
export function noMatch(evidence: MatchEvidence, bars: MatchBars | undefined): boolean {
  if (!bars || evidence.lexical.length > 0) return false;
  if (evidence.bestChunkScore === undefined) return true;
  const margin = semanticMargin(evidence);
  return margin !== undefined && margin < bars.noWords;
}

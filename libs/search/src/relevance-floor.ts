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
 * That bar depends on whether the query is made of words the model knows (its tokenizer keeps
 * them whole, or they are in an English word list; `Embedder.knownWordShare`): a real word a
 * collection lacks (a WordNet word, whose definition never holds it) is found by meaning with a
 * margin from 0.035, while made-up words, which the tokenizer splits into fragments ("xqzvy" → x ##q ##z ##vy), reach 0.083 by chance.
 * Measured with e5-small-v2 (bench/floor-margins.ts) on 400 WordNet definitions with 200 words as
 * queries, 400 man pages, Python docstrings and AppStream descriptions with 200 of their summary
 * lines each, and this project's docs and README with their headings, and 153 gibberish queries on
 * each (none of the 765 has a majority of known words). Every real query shares a word with its
 * corpus except 66 WordNet words. With one bar of 0.065, 45 of those 66 lost their hits (19 with
 * the answer in the semantic top 10) and 27 gibberish queries kept some (man pages 15, AppStream 9,
 * Python 3). With 0.04 for known words and 0.09 for fragments: 12 lost (4 with the answer in the
 * top 10) and no gibberish kept any; 8 lost (1) when rare words the tokenizer splits ("anode",
 * "phonation") count as known by the word list.
 *
 * The price is off-topic real words: WordNet's words that share no word with the docs keep hits
 * on 41 of 130 of them (0 before), on Python's 93 of 130 (4), on man pages 69 of 74 (19): by margin
 * they cannot be told from a word whose answer says it differently. 0.05 would show 5 and 32 of
 * 130 and empty 25 WordNet words (10 answered); 0.03 would show 121 and 124 and empty 5 (3).
 *
 * Measured again with whole-document vectors (session 9, the same five corpora): at 0.04, 10 real
 * WordNet words lost their hits (3 with the answer in the top 10: "caput" 0.040, "province" 0.035,
 * "min" 0.040; semantic MRR@10 0.334 against 0.344 without the floor), while off-topic real words
 * already kept hits on 74 of 74 man-page, 66 of 66 AppStream and 102 of 130 docstring queries. At
 * 0.03 none is lost, off-topic docstrings rise to 130 of 130, and no gibberish gets through (its
 * words fall into fragments; the most similar reached 0.057 on WordNet, 0.083 on AppStream): the
 * known-word bar is now 0.03, so a real word is not emptied for the sake of off-topic ones that
 * were shown anyway.
 * An embedder that cannot tell known words (a remote one) keeps the single bar: there, a query
 * that shares no word with the collection and matches by meaning only (a paraphrase) clears it
 * 75-91% of the time.
 *
 * The background needs enough chunks to be one: a scope of fewer than
 * {@link MIN_BACKGROUND} chunks is measured against the whole index, and an index that small has
 * no floor.
 */
export interface MatchBars {
  /** The margin the best chunk needs when none of the query's words occurs in the scope. */
  noWords: number;
  /** The same when most of the query's words are words the model knows (then this, not `noWords`). */
  knownWords?: number;
  /** The same when most of them fall into fragments, as made-up words do. */
  unknownWords?: number;
}

/** A query counts as made of known words when at least this share of them is. */
export const KNOWN_WORD_MAJORITY = 0.5;

/** The fewest chunk vectors a background is measured on. */
export const MIN_BACKGROUND = 64;

/** Per embedding model (the embedder's id); a model not listed has no floor. */
export const MATCH_BARS: Record<string, MatchBars> = {
  'local:e5-small-v2': { noWords: 0.065, knownWords: 0.03, unknownWords: 0.09 },
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
  /** `Embedder.knownWordShare` of the query, if the embedder can tell. */
  knownWordShare?: number;
}

/** The margin this query's best chunk needs: by whether its words are known to the model, when that is known. */
export function barFor(evidence: Pick<MatchEvidence, 'knownWordShare'>, bars: MatchBars): number {
  const share = evidence.knownWordShare;
  if (share === undefined) return bars.noWords;
  return (share >= KNOWN_WORD_MAJORITY ? bars.knownWords : bars.unknownWords) ?? bars.noWords;
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
 * below the model's bar for such a query (`barFor`). A word that occurs is a match a lexical engine would show (a made-up
 * query that shares a real word, "lorem ipsum dolor sit amet", finds what holds "sit").
 */
export function noMatch(evidence: MatchEvidence, bars: MatchBars | undefined): boolean {
  if (!bars || evidence.lexical.length > 0) return false;
  if (evidence.bestChunkScore === undefined) return true;
  const margin = semanticMargin(evidence);
  return margin !== undefined && margin < barFor(evidence, bars);
}

export interface RankedDoc {
  id: string;
  score: number;
}

export interface FusionOptions {
  /** Share of the lexical retriever in the blend (0..1). */
  lexicalWeight: number;
}

export interface QueryWeighting {
  /** Lexical share for queries that name things: three or more content words, or an identifier. */
  descriptiveQuery: number;
  /** Lexical share for queries of one or two plain words. */
  shortQuery: number;
}

/**
 * Tuned on two corpora built from this machine's text (see bench/search.bench.ts): man pages,
 * where the query is the page's NAME line (BM25 wins), and WordNet, where the query is a word
 * and the document its definition without that word (only meaning can win).
 */
export const DEFAULT_WEIGHTING: QueryWeighting = { descriptiveQuery: 0.9, shortQuery: 0.1 };

export const DEFAULT_FUSION: FusionOptions = { lexicalWeight: DEFAULT_WEIGHTING.descriptiveQuery };

const STOPWORDS = new Set(
  'a an and are as at be by for from has have how i in is it its of on or that the this to was what when where which who why will with you your do does can'.split(
    ' ',
  ),
);

/** A token that is looked up, not described: digits, snake_case, dotted or camelCase names, acronyms, quotes. */
const IDENTIFIER = /\d|_|\.\w|[a-z][A-Z]|^[A-Z]{2,}$|^["']/;

/**
 * How much the lexical ranking counts for this query. A query of one or two plain words carries
 * little lexical evidence: every document that mentions the word matches it as well as the one
 * about it, so meaning decides. Longer queries, and any query with an identifier (an error code,
 * a function name, a version), pick documents out by their words, so BM25 leads.
 */
export function lexicalWeightFor(query: string, weighting: QueryWeighting = DEFAULT_WEIGHTING): number {
  const words = query.split(/\s+/).filter(Boolean);
  if (words.some((w) => IDENTIFIER.test(w))) return weighting.descriptiveQuery;
  const content = words.filter((w) => !STOPWORDS.has(w.toLowerCase().replace(/[^a-z0-9]/g, '')));
  return content.length >= 3 ? weighting.descriptiveQuery : weighting.shortQuery;
}

/** Scores scaled to [0, 1] by the list's best score: keeps how far behind the leader each document is. */
function normaliseByMax(list: RankedDoc[]): Map<string, number> {
  const max = list.reduce((m, d) => Math.max(m, d.score), 0);
  return new Map(list.map((d) => [d.id, max > 0 ? d.score / max : 0]));
}

/**
 * Cosine scores of a kNN list sit in a narrow band (0.6-0.8 for related and unrelated texts
 * alike), so they are stretched over the list's own range: the best candidate gets 1, the
 * weakest 0. Without this the semantic side could never move a document.
 */
function normaliseMinMax(list: RankedDoc[]): Map<string, number> {
  if (list.length === 0) return new Map();
  const max = Math.max(...list.map((d) => d.score));
  const min = Math.min(...list.map((d) => d.score));
  const range = max - min;
  return new Map(list.map((d) => [d.id, range > 0 ? (d.score - min) / range : 1]));
}

/**
 * Hybrid ranking: a convex combination of normalised lexical and semantic scores. Unlike
 * reciprocal rank fusion it keeps score gaps, so a clear BM25 winner (a known-item query)
 * stays first while close BM25 calls are settled by meaning. A document found by only one
 * retriever gets 0 from the other. When one retriever finds nothing, the other ranks alone.
 */
export function fuseScores(
  lexical: RankedDoc[],
  semantic: RankedDoc[],
  options: FusionOptions = DEFAULT_FUSION,
): RankedDoc[] {
  if (semantic.length === 0) return [...normaliseByMax(lexical)].map(([id, score]) => ({ id, score }));
  if (lexical.length === 0) return [...normaliseMinMax(semantic)].map(([id, score]) => ({ id, score }));
  const lex = normaliseByMax(lexical);
  const sem = normaliseMinMax(semantic);
  const lexRank = new Map(lexical.map((d, i) => [d.id, i]));
  const semRank = new Map(semantic.map((d, i) => [d.id, i]));
  const ids = new Set([...lex.keys(), ...sem.keys()]);
  const w = options.lexicalWeight;
  return [...ids]
    .map((id) => ({ id, score: w * (lex.get(id) ?? 0) + (1 - w) * (sem.get(id) ?? 0) }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        (lexRank.get(a.id) ?? Infinity) - (lexRank.get(b.id) ?? Infinity) ||
        (semRank.get(a.id) ?? Infinity) - (semRank.get(b.id) ?? Infinity),
    );
}

/** Plain reciprocal rank fusion, kept as the baseline the benchmark compares against. */
export function reciprocalRankFusion(lists: RankedDoc[][], k = 60): RankedDoc[] {
  const scores = new Map<string, number>();
  for (const list of lists)
    list.forEach((d, rank) => scores.set(d.id, (scores.get(d.id) ?? 0) + 1 / (k + rank + 1)));
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
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

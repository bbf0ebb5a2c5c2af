/**
 * What the search and ingest operations cost, in units of one Elasticsearch query. The
 * operations declare these (rate limits take as many tokens) and the GraphQL fields that run
 * them declare the same as their complexity, so one request cannot hide many expensive calls
 * behind aliases.
 */

/** Lexical: one query. Semantic: the query embedding and a kNN query. Hybrid: both plus the lexical query. */
export function searchCost(args: { mode?: string } | undefined): number {
  const mode = args?.mode ?? 'hybrid';
  return mode === 'lexical' ? 1 : mode === 'semantic' ? 2 : 3;
}

/** Documents one unit of ingest cost covers (embedding and bulk indexing grow with the batch). */
export const DOCUMENTS_PER_INGEST_UNIT = 100;

/** A bulk write: one unit per started hundred documents. */
export function ingestCost(args: { documents?: unknown[] } | undefined): number {
  const documents = Array.isArray(args?.documents) ? args.documents.length : 0;
  return Math.max(1, Math.ceil(documents / DOCUMENTS_PER_INGEST_UNIT));
}

import type { estypes } from '@elastic/elasticsearch';
import type { SearchFilters } from './search.dto';
import { subjectOf, wordPairs } from './highlighter';
import { accessFilter, type AccessReader } from './visibility';

/** Scope and filters after `@collection` words and the principal's allow-list are applied. */
export interface ResolvedScope {
  /** Undefined = every collection. An empty list = nothing visible (allow-list excludes all asked). */
  collections?: string[];
  tags?: string[];
  filters?: SearchFilters;
  /** Whose documents besides open ones (the principal's groups and user); absent = all (admins). */
  reader?: AccessReader;
}

const SOURCE_FIELDS = ['id', 'title', 'collection', 'tags', 'metadata', 'source', 'updated_at'];
const FACET_FIELDS = ['id', 'collection', 'tags'];
const CHUNK_FIELDS = ['doc_id', 'chunk_no', 'document_chunks', 'collection', 'tags'];

/**
 * Hits answered from doc values alone, without `_id`: reading `_id` or `_source` decompresses each
 * hit's stored block (a chunk's holds its vector and text, a document's its body). For 100
 * candidates that fetch phase cost 3-10x the search itself (kNN took 12 ms → 4 ms, BM25 7 → 1).
 */
function docValuesOnly(fields: string[]) {
  return { _source: false as const, stored_fields: '_none_', docvalue_fields: fields };
}

/** Filter clauses shared by the full-text and the vector index (both carry these fields). */
export function filterClauses(scope: ResolvedScope): estypes.QueryDslQueryContainer[] {
  const clauses: estypes.QueryDslQueryContainer[] = [];
  if (scope.collections) clauses.push({ terms: { collection: scope.collections } });
  const access = accessFilter(scope.reader);
  if (access) clauses.push(access);
  for (const tag of scope.tags ?? []) clauses.push({ term: { tags: tag } });
  const filters = scope.filters;
  for (const [field, value] of Object.entries(filters?.metadata ?? {})) {
    clauses.push(
      Array.isArray(value)
        ? { terms: { [`metadata.${field}`]: value.map(String) } }
        : { term: { [`metadata.${field}`]: String(value) } },
    );
  }
  if (filters?.source?.length) clauses.push({ terms: { source: filters.source } });
  const range = (field: string, gte?: string, lte?: string) => {
    if (gte || lte)
      clauses.push({ range: { [field]: { ...(gte ? { gte } : {}), ...(lte ? { lte } : {}) } } });
  };
  range('created_at', filters?.createdAfter, filters?.createdBefore);
  range('updated_at', filters?.updatedAfter, filters?.updatedBefore);
  return clauses;
}

/**
 * Each two neighbouring words of the query, as a phrase (a gap of up to `PAIR_SLOP` positions, so
 * a stop word between them does not part them), adds this share of a match to a document's score:
 * "still reachable" said together is more than "still" and "reachable" somewhere on the page
 * (Lucene's edismax calls it `pf2`). Chosen on the cached rankings (bench/rankings.ts): lexical
 * MRR@10 on man pages 0.789 -> 0.805 (0.803-0.808 for boosts 0.3-0.7 and slops 0-2; 0.793 at boost 2),
 * docstrings 0.566 either way; hybrid 0.854 -> 0.857 and 0.730 -> 0.734. WordNet's answers never
 * hold their query's words: one query of 300 ("military officer") loses a rank (6 -> 7), hybrid
 * MRR@10 0.3390 -> 0.3389 there. The phrases cost Elasticsearch time: a lexical page on the man-page
 * and docstring bench indices took 5.6 -> 6.2 ms p50 (`took` 3 -> 4 ms), 600 queries, one at a time.
 */
const PAIR_BOOST = 0.5;
const PAIR_SLOP = 2;
/**
 * BM25 over title and body for what the query asks about (`subjectOf`: "still reachable mean" of
 * "what does still reachable mean"): the english-analysed fields match word forms ("disks" ~
 * "disk"), the standard sub-fields reward exact forms, neighbouring words said together count more
 * (`wordPairs`); the title weighs more than the body.
 */
export function lexicalQuery(query: string, scope: ResolvedScope): estypes.QueryDslQueryContainer {
  return subjectQuery(query && subjectOf(query), scope);
}

/** `lexicalQuery` of a query's subject, already read (`subjectOf`); every document when empty. */
function subjectQuery(text: string, scope: ResolvedScope): estypes.QueryDslQueryContainer {
  const filter = filterClauses(scope);
  if (!text) return { bool: { must: [{ match_all: {} }], filter } };
  return {
    bool: {
      must: [
        {
          bool: {
            should: [
              {
                multi_match: {
                  query: text,
                  fields: ['title^2', 'body'],
                  type: 'best_fields',
                  tie_breaker: 0.3,
                },
              },
              {
                multi_match: {
                  query: text,
                  fields: ['title.std^2', 'body.std'],
                  type: 'best_fields',
                  tie_breaker: 0.3,
                  boost: 0.3,
                },
              },
              ...wordPairs(text).map((pair): estypes.QueryDslQueryContainer => ({
                multi_match: {
                  query: pair,
                  fields: ['title^2', 'body'],
                  type: 'phrase',
                  slop: PAIR_SLOP,
                  boost: PAIR_BOOST,
                },
              })),
            ],
            minimum_should_match: 1,
          },
        },
      ],
      filter,
    },
  };
}

export function facetAggregations(): Record<string, estypes.AggregationsAggregationContainer> {
  return {
    collection: { terms: { field: 'collection', size: 50 } },
    tags: { terms: { field: 'tags', size: 50 } },
  };
}

export interface LexicalRequestOptions {
  from: number;
  size: number;
  facets: boolean;
  /** Count every match (lexical mode's `total`); hybrid counts its fused set instead. */
  totalHits?: boolean;
  /**
   * This many fragments of the whole body, highlighted by Elasticsearch: what a search sent
   * straight to Elasticsearch does (the benchmark's baseline). Quarry marks the words in the chunk
   * it shows instead (`highlighter.ts`, `lexicalRequest` `shownChunks`).
   */
  documentFragments?: number;
  /** Only what facets need (hybrid's candidates); the shown page reads the rest. */
  facetFieldsOnly?: boolean;
  /**
   * Each hit brings the chunk its words match best (`SHOWN_INNER_HIT`, the same choice as
   * `pageRequest`'s): a lexical page is read in one request. A hit none of whose chunks the words
   * match (a title match) brings none.
   */
  shownChunks?: boolean;
}

/** The inner hits a lexical page's hits bring their shown chunk in (`lexicalRequest`'s `shownChunks`). */
export const SHOWN_INNER_HIT = 'shown';
/** The inner hits of a shown page (`pageRequest`): chunks by their words, and one chunk by its number. */
export const WORDS_INNER_HIT = 'words';
export const NUMBERED_INNER_HIT = 'numbered';

/**
 * Inner hits `name`: of each matching document, the `size` nested chunks that match `query` best
 * (BM25 where it scores, the first of equals: a document's chunks are stored in order), with text
 * and place. Scoring none, the clause leaves the documents' scores as they are; text and place
 * are stored fields (`_source` leaves the chunks out), so no hit's whole source is read for them.
 */
function chunksClause(
  name: string,
  query: estypes.QueryDslQueryContainer,
  size: number,
): estypes.QueryDslQueryContainer {
  return {
    nested: {
      path: 'chunks',
      score_mode: 'none',
      query,
      inner_hits: {
        name,
        size,
        _source: false,
        stored_fields: ['chunks.text', 'chunks.location'],
        docvalue_fields: [{ field: 'chunks.chunk_no' }],
      },
    },
  };
}

/**
 * `query` (a bool query that must match) with the shown chunk's inner hits beside it, the chunk
 * the query's `subject` matches best (`subjectOf`: "list contents archive" of "how do I list the
 * contents of an archive"); matching and scores unchanged.
 */
function withShownChunk(
  query: estypes.QueryDslQueryContainer,
  subject: string,
): estypes.QueryDslQueryContainer {
  return {
    bool: {
      ...query.bool,
      // Two: the best may be a heading alone, and then the next is shown (`firstPassage`).
      should: [chunksClause(SHOWN_INNER_HIT, { match: { 'chunks.text': subject } }, 2)],
    },
  };
}

/** The one Elasticsearch request of a lexical search (also what the benchmark sends directly). */
export function lexicalRequest(
  index: string,
  text: string,
  scope: ResolvedScope,
  options: LexicalRequestOptions,
): estypes.SearchRequest {
  const subject = text && subjectOf(text);
  return {
    index,
    from: options.from,
    size: options.size,
    query:
      options.shownChunks && subject
        ? withShownChunk(subjectQuery(subject, scope), subject)
        : subjectQuery(subject, scope),
    ...(options.facetFieldsOnly ? docValuesOnly(FACET_FIELDS) : { _source: SOURCE_FIELDS }),
    track_total_hits: options.totalHits ?? true,
    ...(options.facets ? { aggs: facetAggregations() } : {}),
    ...(options.documentFragments ? { highlight: documentHighlight(options.documentFragments) } : {}),
    // No query text: the newest first (an `@collection`-only query lists what is there).
    ...(text ? {} : { sort: [{ updated_at: 'desc' }, { id: 'asc' }] }),
  };
}

/** Chunks per document the words bring for the choice of the shown chunk (`shown-chunk.ts`). */
export const CHUNK_CANDIDATES = 3;

/**
 * What a shown page needs, in one search of the full-text index: the documents `ids` (their
 * summaries), and as inner hits of each, the `CHUNK_CANDIDATES` chunks `text`'s subject matches
 * best (`subjectOf`) for the documents of `byWords` (`WORDS_INNER_HIT`: where a lexical match is shown from, and the
 * words' candidates for the choice of `shown-chunk.ts`), and the chunk numbered in `numbered` for
 * its document and the one after it (`NUMBERED_INNER_HIT`: a meaning match's nearest chunk, or the
 * first chunk of one whose chunks the words match none of; the next is shown when that one is a
 * heading alone, `passageOf`). The three searches it replaces (the documents, then the
 * vector index twice) cost Elasticsearch 4.6-6.0 ms of CPU per hybrid page at concurrency 8, this
 * one 3.9-4.5 (docs/benchmarks.md); the inner hits read only the chunks asked for.
 */
export function pageRequest(
  index: string,
  text: string,
  ids: string[],
  numbered: Map<string, number>,
  byWords: string[],
): estypes.SearchRequest {
  const should: estypes.QueryDslQueryContainer[] = [];
  if (text && byWords.length)
    should.push(
      chunksClause(
        WORDS_INNER_HIT,
        {
          bool: {
            must: [{ match: { 'chunks.text': subjectOf(text) } }],
            filter: [{ terms: { 'chunks.doc_id': byWords } }],
          },
        },
        CHUNK_CANDIDATES,
      ),
    );
  if (numbered.size)
    should.push(
      chunksClause(
        NUMBERED_INNER_HIT,
        {
          bool: {
            should: [...numbered].map(([docId, chunkNo]) => ({
              bool: {
                filter: [
                  { term: { 'chunks.doc_id': docId } },
                  { terms: { 'chunks.chunk_no': [chunkNo, chunkNo + 1] } },
                ],
              },
            })),
            minimum_should_match: 1,
          },
        },
        2,
      ),
    );
  return {
    index,
    size: ids.length,
    query: { bool: { filter: [{ ids: { values: ids } }], ...(should.length ? { should } : {}) } },
    _source: SOURCE_FIELDS,
    track_total_hits: false,
  };
}

function documentHighlight(fragments: number): estypes.SearchHighlight {
  return {
    pre_tags: ['<em>'],
    post_tags: ['</em>'],
    encoder: 'html',
    fields: {
      title: { number_of_fragments: 0 },
      body: { fragment_size: 160, number_of_fragments: fragments, no_match_size: 200 },
    },
  };
}

/**
 * The vector fields of the vector index: `embedding`, each chunk's own; `document_embedding`, a
 * document of several chunks embedded whole, stored on its first chunk (`poolChunks`).
 */
export type VectorField = 'embedding' | 'document_embedding';

/**
 * kNN over chunk vectors (or whole-document vectors) with the same filters, so scoping holds in
 * semantic mode too.
 */
export function semanticRequest(
  index: string,
  vector: number[],
  scope: ResolvedScope,
  k: number,
  field: VectorField = 'embedding',
): estypes.SearchRequest {
  const filter = filterClauses(scope);
  return {
    index,
    size: k,
    knn: {
      field,
      query_vector: vector,
      k,
      // Elasticsearch's own default (1.5 k). Against 2 k it left MRR@10 and nDCG@10 within 0.001 on
      // every bench corpus, for a quarter less graph search.
      num_candidates: Math.min(Math.max(Math.ceil(k * 1.5), 100), 10_000),
      ...(filter.length ? { filter } : {}),
    },
    // Collection and tags ride along so facets need no second read of the documents.
    ...docValuesOnly(CHUNK_FIELDS),
  };
}

import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import { mapElasticsearchError } from './elasticsearch.client';
import {
  filterClauses,
  lexicalRequest,
  pageRequest,
  semanticRequest,
  NUMBERED_INNER_HIT,
  SHOWN_INNER_HIT,
  WORDS_INNER_HIT,
  type LexicalRequestOptions,
  type ResolvedScope,
} from './search-query';
import type { FacetBucket } from './search.dto';
import type { ChunkLocation } from './structured-chunker';
import { withoutLinkMarkup } from './inline-markdown';
import { firstPassage, passageOf } from './shown-chunk';

export interface DocumentSummary {
  id: string;
  title?: string;
  collection: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
  source?: string;
}

export interface ChunkSource {
  doc_id: string;
  chunk_no: number;
  text?: string;
  collection?: string;
  tags?: string[];
}

export interface Facets {
  collection: FacetBucket[];
  tags: FacetBucket[];
}

/** A document the full-text query matched, with its BM25 score. */
export interface LexicalHit {
  id: string;
  score: number;
  summary: DocumentSummary;
  /** The chunk its words match best, when the request asked for it (`shownChunks`) and one does. */
  shown?: PlacedChunk;
}

export interface LexicalResult {
  hits: LexicalHit[];
  /** Every match (0 when the request did not count them). */
  total: number;
  facets: Facets;
}

/** The nearest chunks, and the nearest whole-document vectors (each on its document's first chunk). */
export interface NearestChunks {
  chunks: ChunkHit[];
  documents: ChunkHit[];
}

/** A chunk the kNN search found, with what facets need of its document. */
export interface ChunkHit {
  docId: string;
  chunkNo: number;
  /** How many chunks its document has (1 in an index written before it was recorded). */
  documentChunks: number;
  score: number;
  collection: string;
  tags: string[];
}

/** The chunk a hit is shown from: its number, its text and where it is. */
export interface PlacedChunk {
  chunkNo: number;
  text: string;
  location?: ChunkLocation;
}

/** What one shown page needs: the documents to show and the chunks to show them from. */
export interface PageRequest {
  /** Documents shown. */
  ids: string[];
  /** Chunks read by number (a meaning match's best chunk: its snippet). */
  chunks: Pick<ChunkHit, 'docId' | 'chunkNo'>[];
  /** Documents whose chunk that best matches the words is read (where their snippet is). */
  locate: string[];
  /**
   * Documents both the words and the meaning point into: the chunks of each that best match the
   * words are read too (`candidates`), for the service to choose the one it is shown from.
   */
  weigh?: string[];
}

export interface PageResult {
  /** Summaries of the shown documents that still exist. */
  documents: Map<string, DocumentSummary>;
  /** By document id: the chunk it is shown from. */
  chunks: Map<string, PlacedChunk>;
  /** By document id (those of `weigh`): its chunks that best match the words, best first. */
  candidates?: Map<string, PlacedChunk[]>;
}

/** The vector index's alias beside a documents alias (`<prefix>-docs` → `<prefix>-vectors`). */
function vectorsAliasOf(docsAlias: string): string {
  return docsAlias.replace(/-docs$/, '-vectors');
}

function bucketsOf(aggregate: unknown): FacetBucket[] {
  const buckets = (aggregate as estypes.AggregationsStringTermsAggregate | undefined)?.buckets;
  return (Array.isArray(buckets) ? buckets : []).map((b) => ({ value: String(b.key), count: b.doc_count }));
}

/** A doc-values field of a hit (`docvalue_fields` answers every field as a list). */
function fieldOf<T>(hit: estypes.SearchHit<unknown>, name: string): T[] {
  return (hit.fields?.[name] as T[] | undefined) ?? [];
}

/**
 * The parts of an `_msearch` answer a search reads (`filter_path`): each response's status, which
 * keeps the list aligned with the searches (a response left empty by the filter would be dropped
 * from it), its error, and of each hit only `hitPaths`. Every hit otherwise repeats its index
 * name, and the page's its id and score too: a fifth of the bytes a hybrid search's answers
 * took to parse on the main thread.
 */
function msearchPaths(hitPaths: string[]): string[] {
  return ['responses.status', 'responses.error', ...hitPaths.map((path) => `responses.hits.hits.${path}`)];
}

/** Candidates (hybrid and semantic): scores and doc values. */
const CANDIDATE_HIT_PATHS = ['_score', 'fields'];

/** A search's hits; none when `filter_path` left nothing of them. */
function hitsOf<T>(response: estypes.SearchResponse<T>): estypes.SearchHit<T>[] {
  return response.hits?.hits ?? [];
}

function lexicalResult(response: estypes.SearchResponse<DocumentSummary>): LexicalResult {
  const total =
    typeof response.hits?.total === 'number' ? response.hits.total : (response.hits?.total?.value ?? 0);
  return {
    total,
    hits: hitsOf(response).map((hit) => ({
      id: hit._id ?? hit._source?.id ?? fieldOf<string>(hit, 'id')[0],
      score: hit._score ?? 0,
      summary: hit._source ?? {
        id: fieldOf<string>(hit, 'id')[0],
        collection: fieldOf<string>(hit, 'collection')[0] ?? '',
        tags: fieldOf<string>(hit, 'tags'),
      },
      ...shownChunkOf(hit),
    })),
    facets: {
      collection: bucketsOf(response.aggregations?.collection),
      tags: bucketsOf(response.aggregations?.tags),
    },
  };
}

/** A lexical hit's shown chunk, when the request asked for it (`shownChunks`) and one matched. */
function shownChunkOf(hit: estypes.SearchHit<unknown>): { shown?: PlacedChunk } {
  const shown = firstPassage(innerChunks(hit, SHOWN_INNER_HIT));
  return shown ? { shown } : {};
}

/** The chunks of a hit's inner hits `name` (`pageRequest`, `lexicalRequest`'s `shownChunks`), best first. */
function innerChunks(hit: estypes.SearchHit<unknown>, name: string): PlacedChunk[] {
  return (hit.inner_hits?.[name]?.hits.hits ?? []).map((inner) => {
    const location = fieldOf<string>(inner, 'chunks.location')[0];
    return {
      chunkNo: fieldOf<number>(inner, 'chunks.chunk_no')[0],
      text: withoutLinkMarkup(fieldOf<string>(inner, 'chunks.text')[0] ?? ''),
      ...(location ? { location: JSON.parse(location) as ChunkLocation } : {}),
    };
  });
}

function chunkHits(response: estypes.SearchResponse<ChunkSource>): ChunkHit[] {
  return hitsOf(response).map((hit) => ({
    docId: fieldOf<string>(hit, 'doc_id')[0],
    chunkNo: fieldOf<number>(hit, 'chunk_no')[0],
    documentChunks: fieldOf<number>(hit, 'document_chunks')[0] ?? 1,
    score: hit._score ?? 0,
    collection: fieldOf<string>(hit, 'collection')[0] ?? '',
    tags: fieldOf<string>(hit, 'tags'),
  }));
}

/** One response of an `_msearch`; a failed one is thrown as the refusal it reports. */
function answer<T>(item: estypes.MsearchResponseItem<T>): estypes.SearchResponse<T> {
  if ('error' in item) {
    throw new errors.ResponseError({
      body: { error: item.error },
      statusCode: item.status,
      headers: {},
      warnings: null,
      meta: {} as never,
    });
  }
  return item;
}

/**
 * Read side of the indices: every search request to Elasticsearch goes through here, and it
 * speaks in the search's terms (full-text matches, nearest chunks, a page's documents).
 */
export class SearchRepository {
  private readonly vectorsAlias: string;

  constructor(
    private readonly client: Client,
    private readonly docsAlias: string,
    vectorsAlias?: string,
  ) {
    this.vectorsAlias = vectorsAlias ?? vectorsAliasOf(docsAlias);
  }

  /** Documents matching `text` (BM25), newest first when there is no text. */
  async lexical(
    text: string,
    scope: ResolvedScope,
    options: LexicalRequestOptions,
    signal?: AbortSignal,
  ): Promise<LexicalResult> {
    const response = await this.run(() =>
      this.client.search<DocumentSummary>(lexicalRequest(this.docsAlias, text, scope, options), { signal }),
    );
    return lexicalResult(response);
  }

  /**
   * The `k` chunks nearest to `vector` within the scope, and the `k` documents of several chunks
   * whose whole-document vectors are nearest (`poolChunks` weighs both), in one round trip.
   */
  async knnChunks(
    vector: number[],
    scope: ResolvedScope,
    k: number,
    signal?: AbortSignal,
  ): Promise<NearestChunks> {
    const [chunks, documents] = await this.searchAll<ChunkSource>(
      [
        semanticRequest(this.vectorsAlias, vector, scope, k),
        semanticRequest(this.vectorsAlias, vector, scope, k, 'document_embedding'),
      ],
      CANDIDATE_HIT_PATHS,
      signal,
    );
    return { chunks: chunkHits(answer(chunks)), documents: chunkHits(answer(documents)) };
  }

  /**
   * The candidate lists of a hybrid search in one round trip (`_msearch`): the `depth` best
   * full-text matches (ids, scores and facet fields only), the `depth` nearest chunks and the
   * `depth` nearest whole-document vectors.
   */
  async hybridCandidates(
    text: string,
    vector: number[],
    scope: ResolvedScope,
    depth: number,
    signal?: AbortSignal,
  ): Promise<{ lexical: LexicalHit[] } & NearestChunks> {
    const [lexical, chunks, documents] = await this.searchAll<DocumentSummary | ChunkSource>(
      [
        lexicalRequest(this.docsAlias, text, scope, {
          from: 0,
          size: depth,
          facets: false,
          totalHits: false,
          facetFieldsOnly: true,
        }),
        semanticRequest(this.vectorsAlias, vector, scope, depth),
        semanticRequest(this.vectorsAlias, vector, scope, depth, 'document_embedding'),
      ],
      CANDIDATE_HIT_PATHS,
      signal,
    );
    return {
      lexical: lexicalResult(answer(lexical as estypes.MsearchResponseItem<DocumentSummary>)).hits,
      chunks: chunkHits(answer(chunks as estypes.MsearchResponseItem<ChunkSource>)),
      documents: chunkHits(answer(documents as estypes.MsearchResponseItem<ChunkSource>)),
    };
  }

  /**
   * What a shown page needs, in one search of the full-text index (`pageRequest`): the documents'
   * summaries, the chunks named by id, for the documents to locate the chunk `text`'s words match
   * best (their first when the words match none), and for those to weigh the words' candidates.
   */
  async page(text: string, request: PageRequest, signal?: AbortSignal): Promise<PageResult> {
    const documents = new Map<string, DocumentSummary>();
    const chunks = new Map<string, PlacedChunk>();
    const candidates = new Map<string, PlacedChunk[]>();
    const locate = new Set(request.locate);
    const weigh = new Set(request.weigh ?? []);
    const numbered = new Map(request.chunks.map((chunk) => [chunk.docId, chunk.chunkNo]));
    for (const docId of locate) if (!numbered.has(docId)) numbered.set(docId, 0);
    const ids = [...new Set([...request.ids, ...numbered.keys(), ...weigh])];
    if (ids.length === 0) return { documents, chunks, candidates };
    const response = await this.run(() =>
      this.client.search<DocumentSummary>(
        pageRequest(this.docsAlias, text, ids, numbered, [...new Set([...locate, ...weigh])]),
        { signal },
      ),
    );
    const shown = new Set(request.ids);
    for (const hit of hitsOf(response)) {
      const id = hit._id!;
      if (shown.has(id) && hit._source) documents.set(id, hit._source);
      const byWords = innerChunks(hit, WORDS_INNER_HIT);
      const byNumber = passageOf(innerChunks(hit, NUMBERED_INNER_HIT), numbered.get(id));
      const chunk = locate.has(id) ? (byWords[0] ?? byNumber) : byNumber;
      if (chunk) chunks.set(id, chunk);
      if (weigh.has(id) && byWords.length) candidates.set(id, byWords);
    }
    return { documents, chunks, candidates };
  }

  /**
   * Up to `size` chunk vectors of the scope, a fixed pseudo-random sample (the same for the same
   * chunks): what a query's similarity to the scope at large is measured against.
   */
  async sampleVectors(scope: ResolvedScope, size: number, signal?: AbortSignal): Promise<number[][]> {
    const filter = filterClauses(scope);
    const response = await this.run(() =>
      this.client.search<{ embedding?: number[] }>(
        {
          index: this.vectorsAlias,
          size,
          query: {
            function_score: {
              query: { bool: { filter } },
              functions: [{ random_score: { seed: 1, field: '_seq_no' } }],
              boost_mode: 'replace',
            },
          },
          _source: ['embedding'],
          track_total_hits: false,
        },
        { signal },
      ),
    );
    return response.hits.hits.flatMap((hit) => (hit._source?.embedding ? [hit._source.embedding] : []));
  }

  /** Collections and their document counts, of the documents `visible` lets through (`visibilityClauses`). */
  async collections(
    visible: estypes.QueryDslQueryContainer[] = [],
  ): Promise<{ name: string; documents: number }[]> {
    const response = await this.run(() =>
      this.client.search({
        index: this.docsAlias,
        size: 0,
        ...(visible.length ? { query: { bool: { filter: visible } } } : {}),
        aggs: { collections: { terms: { field: 'collection', size: 10_000, order: { _key: 'asc' } } } },
      }),
    );
    return bucketsOf(response.aggregations?.collections).map((b) => ({ name: b.value, documents: b.count }));
  }

  /**
   * Several searches in one round trip (`_msearch`); a single one goes as a plain search, which
   * Elasticsearch runs without `_msearch`'s extra dispatch (a lexical page reads only its chunks).
   * Of each hit only `hitPaths` are answered (`msearchPaths`).
   */
  private async searchAll<T>(
    requests: estypes.SearchRequest[],
    hitPaths: string[],
    signal?: AbortSignal,
  ): Promise<estypes.MsearchResponseItem<T>[]> {
    if (requests.length === 1) {
      const filter_path = hitPaths.map((path) => `hits.hits.${path}`);
      return [await this.run(() => this.client.search<T>({ ...requests[0], filter_path }, { signal }))];
    }
    const searches = requests.flatMap(({ index, ...body }) => [{ index }, body]);
    const response = await this.run(() =>
      this.client.msearch<T>({ searches, filter_path: msearchPaths(hitPaths) }, { signal }),
    );
    return response.responses;
  }

  private async run<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }
}

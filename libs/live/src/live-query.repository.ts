import type { Client, estypes } from '@elastic/elasticsearch';
import { chunkId, mapElasticsearchError, type IndexNames } from '@quarry/search';
import type { DocumentTerms, FieldTerms, MatchChunk } from './live-matcher';
import type { LiveQuery, QueryTerms } from './live-types';

/** A live query as stored in the `quarry-live` index (`query` and `query_vector` are kept, not indexed). */
interface LiveEntry {
  subscription_id: string;
  owner: string;
  instance: string;
  query: Pick<LiveQuery, 'mode' | 'text' | 'scope' | 'terms' | 'threshold'>;
  query_vector?: { values: number[] };
  created_at: string;
  expires_at: string;
}

type TermVectors = Record<string, estypes.TermvectorsTermVector>;

const TEXT_FIELDS = ['title', 'body', 'title.std', 'body.std'];

function toEntry(query: LiveQuery): LiveEntry {
  return {
    subscription_id: query.subscriptionId,
    owner: query.owner,
    instance: query.instance,
    query: {
      mode: query.mode,
      text: query.text,
      scope: query.scope,
      terms: query.terms,
      threshold: query.threshold,
    },
    ...(query.vector ? { query_vector: { values: query.vector } } : {}),
    created_at: query.createdAt,
    expires_at: new Date(query.expiresAt).toISOString(),
  };
}

function fromEntry(entry: LiveEntry): LiveQuery {
  return {
    subscriptionId: entry.subscription_id,
    owner: entry.owner,
    instance: entry.instance,
    ...entry.query,
    vector: entry.query_vector?.values,
    createdAt: entry.created_at,
    expiresAt: Date.parse(entry.expires_at),
  };
}

function fieldTerms(vectors: TermVectors | undefined, field: string): FieldTerms {
  const terms: FieldTerms = new Map();
  for (const [term, info] of Object.entries(vectors?.[field]?.terms ?? {})) {
    terms.set(
      term,
      (info.tokens ?? []).map((t) => [t.start_offset ?? 0, t.end_offset ?? 0] as [number, number]),
    );
  }
  return terms;
}

/**
 * All Elasticsearch I/O of live queries: the registry in the live index, and the analysis of
 * queries and of ingested documents with the full-text index's own analysers.
 */
export class LiveQueryRepository {
  constructor(
    private readonly client: Client,
    private readonly indices: Pick<IndexNames, 'live' | 'docs' | 'vectors'>,
  ) {}

  async put(query: LiveQuery): Promise<void> {
    try {
      await this.client.index({
        index: this.indices.live,
        id: query.subscriptionId,
        document: toEntry(query),
      });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.client.bulk({
        operations: ids.map((id) => ({ delete: { _index: this.indices.live, _id: id } })),
      });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Pushes the expiry of these entries forward; resolves with the ids that no longer exist. */
  async extend(ids: string[], expiresAt: number): Promise<string[]> {
    if (ids.length === 0) return [];
    try {
      const expires_at = new Date(expiresAt).toISOString();
      const response = await this.client.bulk({
        operations: ids.flatMap((id) => [
          { update: { _index: this.indices.live, _id: id } },
          { doc: { expires_at } },
        ]),
      });
      return response.items.filter((item) => item.update?.status === 404).map((item) => item.update!._id!);
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Every entry that has not expired, as of now (refreshes the live index first). */
  async active(now: number): Promise<LiveQuery[]> {
    try {
      await this.client.indices.refresh({ index: this.indices.live });
      const queries: LiveQuery[] = [];
      let after: estypes.SortResults | undefined;
      for (;;) {
        const response = await this.client.search<LiveEntry>({
          index: this.indices.live,
          size: 1000,
          query: { range: { expires_at: { gt: new Date(now).toISOString() } } },
          sort: [{ subscription_id: 'asc' }],
          ...(after ? { search_after: after } : {}),
        });
        const hits = response.hits.hits;
        queries.push(...hits.map((hit) => fromEntry(hit._source!)));
        if (hits.length < 1000) return queries;
        after = hits[hits.length - 1].sort;
      }
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /**
   * Deletes the entries of instances that stopped renewing them. A search and a bulk delete
   * rather than `_delete_by_query`, which lives in the reindex module the embedded node lacks.
   */
  async deleteExpired(now: number): Promise<number> {
    try {
      await this.client.indices.refresh({ index: this.indices.live });
      const response = await this.client.search<LiveEntry>({
        index: this.indices.live,
        size: 1000,
        query: { range: { expires_at: { lte: new Date(now).toISOString() } } },
        _source: false,
      });
      const ids = response.hits.hits.map((hit) => hit._id!);
      await this.remove(ids);
      return ids.length;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** A query's words through the analysers of title/body (`english`) and their `.std` fields (`standard`). */
  async analyseQuery(text: string): Promise<QueryTerms> {
    try {
      const response = await this.client.mtermvectors({
        index: this.indices.docs,
        docs: [
          {
            doc: { body: text },
            fields: ['body', 'body.std'],
            offsets: false,
            positions: false,
            term_statistics: false,
            field_statistics: false,
          },
        ],
      });
      const vectors = response.docs[0]?.term_vectors;
      return {
        english: Object.keys(vectors?.body?.terms ?? {}),
        standard: Object.keys(vectors?.['body.std']?.terms ?? {}),
      };
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /**
   * The percolation request of a batch: one `_mtermvectors` call analyses every changed document
   * as the full-text index would (artificial documents, so it does not wait for a refresh) and
   * returns each term's offsets for highlighting.
   */
  async analyseDocuments(docs: { title?: string; body: string }[]): Promise<DocumentTerms[]> {
    if (docs.length === 0) return [];
    try {
      const response = await this.client.mtermvectors({
        index: this.indices.docs,
        docs: docs.map((doc) => ({
          doc: doc.title ? { title: doc.title, body: doc.body } : { body: doc.body },
          fields: TEXT_FIELDS,
          offsets: true,
          positions: false,
          payloads: false,
          term_statistics: false,
          field_statistics: false,
        })),
      });
      return response.docs.map((doc) => {
        const vectors = doc.term_vectors as TermVectors | undefined;
        return {
          title: fieldTerms(vectors, 'title'),
          body: fieldTerms(vectors, 'body'),
          titleStd: fieldTerms(vectors, 'title.std'),
          bodyStd: fieldTerms(vectors, 'body.std'),
        };
      });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /**
   * Stored chunks and vectors of documents whose text did not change (their vectors were reused),
   * with the whole-document vector of a document of several chunks (on its first chunk).
   */
  async chunks(
    docs: { id: string; chunkCount: number }[],
  ): Promise<Map<string, { chunks: MatchChunk[]; documentVector?: number[] }>> {
    const ids = docs.flatMap((doc) => Array.from({ length: doc.chunkCount }, (_, n) => chunkId(doc.id, n)));
    const found = new Map<string, { chunks: MatchChunk[]; documentVector?: number[] }>();
    if (ids.length === 0) return found;
    try {
      const response = await this.client.mget<{
        doc_id: string;
        text: string;
        embedding: number[];
        document_embedding?: number[];
      }>({
        index: this.indices.vectors,
        ids,
        _source: ['doc_id', 'text', 'embedding', 'document_embedding'],
      });
      for (const doc of response.docs) {
        if (!('found' in doc) || !doc.found || !doc._source) continue;
        const { doc_id: docId, text, embedding, document_embedding: whole } = doc._source;
        const entry = found.get(docId) ?? { chunks: [] };
        entry.chunks.push({ text, vector: embedding });
        if (whole) entry.documentVector = whole;
        found.set(docId, entry);
      }
      return found;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }
}

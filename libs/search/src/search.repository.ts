import type { Client, estypes } from '@elastic/elasticsearch';
import { mapElasticsearchError } from './elasticsearch.client';
import { DOCUMENT_SUMMARY_FIELDS } from './search-query';

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

/** Read side of the indices: every search request to Elasticsearch goes through here. */
export class SearchRepository {
  constructor(
    private readonly client: Client,
    private readonly docsAlias: string,
  ) {}

  async search<T>(request: estypes.SearchRequest, signal?: AbortSignal): Promise<estypes.SearchResponse<T>> {
    try {
      return await this.client.search<T>(request, { signal });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Titles, tags and metadata of documents by id (bodies stay in Elasticsearch). */
  async summaries(ids: string[], signal?: AbortSignal): Promise<Map<string, DocumentSummary>> {
    if (ids.length === 0) return new Map();
    try {
      const response = await this.client.mget<DocumentSummary>(
        { index: this.docsAlias, ids, _source: DOCUMENT_SUMMARY_FIELDS },
        { signal },
      );
      const found = new Map<string, DocumentSummary>();
      for (const doc of response.docs) {
        if ('found' in doc && doc.found && doc._source) found.set(doc._id, doc._source);
      }
      return found;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Texts of chunks by chunk id (the vector index). */
  async chunkTexts(index: string, ids: string[], signal?: AbortSignal): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    try {
      const response = await this.client.mget<{ text: string }>(
        { index, ids, _source: ['text'] },
        { signal },
      );
      const found = new Map<string, string>();
      for (const doc of response.docs) {
        if ('found' in doc && doc.found && doc._source) found.set(doc._id, doc._source.text);
      }
      return found;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  async collections(visible?: string[]): Promise<{ name: string; documents: number }[]> {
    try {
      const response = await this.client.search({
        index: this.docsAlias,
        size: 0,
        ...(visible ? { query: { terms: { collection: visible } } } : {}),
        aggs: { collections: { terms: { field: 'collection', size: 10_000, order: { _key: 'asc' } } } },
      });
      const buckets = (
        response.aggregations?.collections as estypes.AggregationsStringTermsAggregate | undefined
      )?.buckets;
      return (Array.isArray(buckets) ? buckets : []).map((b) => ({
        name: String(b.key),
        documents: b.doc_count,
      }));
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }
}

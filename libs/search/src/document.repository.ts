import type { Client, estypes } from '@elastic/elasticsearch';
import { mapElasticsearchError } from './elasticsearch.client';

/** A document as stored in the full-text index. */
export interface StoredDocument {
  id: string;
  collection: string;
  title?: string;
  body: string;
  tags: string[];
  source?: string;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  content_hash: string;
  /** Hash of what was embedded (title and body): unchanged → the vectors are reused. */
  embedding_hash?: string;
  chunk_count?: number;
}

export type ExistingDocument = Pick<
  StoredDocument,
  'collection' | 'content_hash' | 'embedding_hash' | 'chunk_count' | 'created_at'
>;

export interface BulkItemResult {
  id: string;
  index: string;
  op: 'index' | 'update' | 'delete';
  status: number;
  error?: string;
}

/** All reads and writes of documents and their chunks go through here. */
export class DocumentRepository {
  constructor(
    private readonly client: Client,
    private readonly alias: string,
  ) {}

  /** What is stored for these ids already (hashes, chunk counts); absent ids are new. */
  async existing(ids: string[], signal?: AbortSignal): Promise<Map<string, ExistingDocument>> {
    if (ids.length === 0) return new Map();
    try {
      const response = await this.client.mget<ExistingDocument>(
        {
          index: this.alias,
          ids,
          _source: ['collection', 'content_hash', 'embedding_hash', 'chunk_count', 'created_at'],
        },
        { signal },
      );
      const found = new Map<string, ExistingDocument>();
      for (const doc of response.docs)
        if ('found' in doc && doc.found && doc._source) found.set(doc._id, doc._source);
      return found;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Makes every acknowledged write to these indices searchable now. */
  async refresh(...indices: string[]): Promise<void> {
    try {
      await this.client.indices.refresh({ index: indices });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** One bulk request; resolves with the outcome of every operation, in order. */
  async bulk(
    operations: estypes.BulkRequest['operations'],
    refresh: boolean | 'wait_for',
    signal?: AbortSignal,
  ): Promise<BulkItemResult[]> {
    try {
      const response = await this.client.bulk({ operations, refresh }, { signal });
      return response.items.map((item) => {
        const [op, result] = Object.entries(item)[0] as [
          'index' | 'update' | 'delete',
          estypes.BulkResponseItem,
        ];
        return {
          id: result._id ?? '',
          index: result._index,
          op,
          status: result.status,
          error: result.error ? `${result.error.type}: ${result.error.reason ?? ''}` : undefined,
        };
      });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  async put(document: StoredDocument, refresh: boolean | 'wait_for' = false): Promise<void> {
    try {
      await this.client.index({ index: this.alias, id: document.id, document, refresh });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** The document, or undefined when there is none with that id. */
  async get(id: string): Promise<StoredDocument | undefined> {
    try {
      const response = await this.client.get<StoredDocument>({ index: this.alias, id }, { ignore: [404] });
      return response.found ? response._source : undefined;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Several documents in one request, in the order asked; undefined where there is none. */
  async getMany(ids: string[]): Promise<(StoredDocument | undefined)[]> {
    if (ids.length === 0) return [];
    try {
      const response = await this.client.mget<StoredDocument>({ index: this.alias, ids });
      return response.docs.map((doc) => ('found' in doc && doc.found ? doc._source : undefined));
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** True when a document was deleted, false when there was none. */
  async delete(id: string, refresh: boolean | 'wait_for' = false): Promise<boolean> {
    try {
      const response = await this.client.delete({ index: this.alias, id, refresh }, { ignore: [404] });
      return response.result === 'deleted';
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }
}

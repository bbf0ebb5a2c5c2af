import type { Client } from '@elastic/elasticsearch';
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
}

/** All reads and writes of the full-text index go through here. */
export class DocumentRepository {
  constructor(
    private readonly client: Client,
    private readonly alias: string,
  ) {}

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

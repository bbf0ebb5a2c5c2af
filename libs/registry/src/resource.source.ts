import type { Client } from '@elastic/elasticsearch';
import { NotFoundError, type Principal } from '@quarry/core';
import type { ResourceSource } from './resource.manager';
import {
  mapElasticsearchError,
  mayRead,
  visibilityClauses,
  type DocumentRepository,
  type SearchRepository,
} from '@quarry/search';

/** MCP resources backed by the full-text index, scoped to what the principal may see. */
export class IndexResourceSource implements ResourceSource {
  constructor(
    private readonly client: Client,
    private readonly docsAlias: string,
    private readonly documents: DocumentRepository,
    private readonly search: SearchRepository,
  ) {}

  async listDocuments(principal: Principal, after: string | undefined, limit: number) {
    try {
      const response = await this.client.search<{ id: string; title?: string; collection: string }>({
        index: this.docsAlias,
        size: limit,
        query: { bool: { filter: visibilityClauses(principal) } },
        sort: [{ id: 'asc' }],
        ...(after !== undefined ? { search_after: [after] } : {}),
        _source: ['id', 'title', 'collection'],
      });
      return response.hits.hits.map((h) => h._source!);
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  async readDocument(principal: Principal, id: string) {
    const doc = await this.documents.get(id);
    if (!doc || !mayRead(principal, doc)) throw new NotFoundError('document', id);
    return {
      ...(doc.access ? { access: doc.access } : {}),
      id: doc.id,
      title: doc.title,
      collection: doc.collection,
      body: doc.body,
      tags: doc.tags,
      metadata: doc.metadata,
    };
  }

  listCollections(principal: Principal) {
    return this.search.collections(visibilityClauses(principal));
  }

  async documentIdsStartingWith(principal: Principal, prefix: string, limit: number): Promise<string[]> {
    try {
      const response = await this.client.search<{ id: string }>({
        index: this.docsAlias,
        size: limit,
        query: {
          bool: {
            filter: [...visibilityClauses(principal), ...(prefix ? [{ prefix: { id: prefix } }] : [])],
          },
        },
        sort: [{ id: 'asc' }],
        _source: ['id'],
      });
      return response.hits.hits.map((h) => h._source!.id);
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }
}

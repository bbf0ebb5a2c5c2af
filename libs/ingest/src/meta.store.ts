import type { Client } from '@elastic/elasticsearch';
import { mapElasticsearchError } from '@quarry/search';

/** Entries of the metadata index this library keeps: sources and jobs. */
export type IngestMetaKind = 'source' | 'job';

interface MetaEntry<D> {
  kind: IngestMetaKind;
  name: string;
  description?: string;
  definition: D;
  version: number;
  updated_at: string;
}

/**
 * Sources and jobs in the metadata index (the registry's shape: kind, name, definition). Writes
 * of job progress do not wait for a refresh; reads by id are real-time in Elasticsearch.
 */
export class IngestMetaStore {
  constructor(
    private readonly client: Client,
    private readonly alias: string,
  ) {}

  async put<D>(
    kind: IngestMetaKind,
    name: string,
    definition: D,
    refresh: boolean | 'wait_for' = false,
  ): Promise<void> {
    try {
      await this.client.index({
        index: this.alias,
        id: `${kind}:${name}`,
        document: {
          kind,
          name,
          definition,
          version: 1,
          updated_at: new Date().toISOString(),
        } satisfies MetaEntry<D>,
        refresh,
      });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  async get<D>(kind: IngestMetaKind, name: string): Promise<D | undefined> {
    try {
      const response = await this.client.get<MetaEntry<D>>(
        { index: this.alias, id: `${kind}:${name}` },
        { ignore: [404] },
      );
      return response.found ? response._source?.definition : undefined;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Newest first (by last update), at most `size`. */
  async list<D>(kind: IngestMetaKind, size = 100): Promise<D[]> {
    try {
      const response = await this.client.search<MetaEntry<D>>({
        index: this.alias,
        query: { term: { kind } },
        sort: [{ updated_at: 'desc' }, { name: 'asc' }],
        size,
      });
      return response.hits.hits.map((h) => h._source!.definition);
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  async delete(kind: IngestMetaKind, name: string): Promise<boolean> {
    try {
      const response = await this.client.delete(
        { index: this.alias, id: `${kind}:${name}`, refresh: 'wait_for' },
        { ignore: [404] },
      );
      return response.result === 'deleted';
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }
}

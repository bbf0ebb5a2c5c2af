import type { Client } from '@elastic/elasticsearch';
import { MetaIndexRepository } from '@quarry/search';

/** Entries of the metadata index this library keeps: sources and jobs. */
export type IngestMetaKind = 'source' | 'job';

/**
 * Sources and jobs in the metadata index, in ingestion's terms (their definitions): the index
 * itself is `MetaIndexRepository`'s. Writes of job progress do not wait for a refresh; reads by
 * id are real-time in Elasticsearch.
 */
export class IngestMetaStore {
  private readonly index: MetaIndexRepository<IngestMetaKind>;

  constructor(client: Client, alias: string) {
    this.index = new MetaIndexRepository(client, alias);
  }

  put<D>(
    kind: IngestMetaKind,
    name: string,
    definition: D,
    refresh: boolean | 'wait_for' = false,
  ): Promise<void> {
    return this.index.overwrite(kind, name, definition, refresh);
  }

  async get<D>(kind: IngestMetaKind, name: string): Promise<D | undefined> {
    return (await this.index.get<D>(kind, name))?.definition;
  }

  /** Newest first (by last update), at most `size`. */
  async list<D>(kind: IngestMetaKind, size = 100): Promise<D[]> {
    return (await this.index.list<D>(kind, { newestFirst: true, size })).map((entry) => entry.definition);
  }

  delete(kind: IngestMetaKind, name: string): Promise<boolean> {
    return this.index.delete(kind, name);
  }
}

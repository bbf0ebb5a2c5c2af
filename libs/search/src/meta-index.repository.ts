import type { Client } from '@elastic/elasticsearch';
import { mapElasticsearchError } from './elasticsearch.client';

/** An entry of the metadata index: a definition of some kind, by name, with a version. */
export interface MetaEntry<K extends string = string, D = unknown> {
  kind: K;
  name: string;
  description?: string;
  definition: D;
  version: number;
  updated_at: string;
}

/**
 * The metadata index (`quarry-meta`): entries by kind and name, and nothing about what they
 * mean. The libraries that own a kind keep their own repository on it (saved-search tools and
 * prompts in libs/registry, API keys in libs/auth), so this library stays the one that speaks
 * to Elasticsearch without holding their concerns.
 */
export class MetaIndexRepository<K extends string = string> {
  constructor(
    private readonly client: Client,
    private readonly alias: string,
  ) {}

  private static id(kind: string, name: string): string {
    return `${kind}:${name}`;
  }

  /** By name, or the most recently updated first (at most `size`). */
  async list<D>(
    kind: K,
    { newestFirst = false, size = 10_000 }: { newestFirst?: boolean; size?: number } = {},
  ): Promise<MetaEntry<K, D>[]> {
    try {
      const response = await this.client.search<MetaEntry<K, D>>({
        index: this.alias,
        query: { term: { kind } },
        sort: newestFirst ? [{ updated_at: 'desc' }, { name: 'asc' }] : [{ name: 'asc' }],
        size,
      });
      return response.hits.hits.map((h) => h._source!);
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  async get<D>(kind: K, name: string): Promise<MetaEntry<K, D> | undefined> {
    try {
      const response = await this.client.get<MetaEntry<K, D>>(
        { index: this.alias, id: MetaIndexRepository.id(kind, name) },
        { ignore: [404] },
      );
      return response.found ? response._source : undefined;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Creates or replaces an entry; the version counts the replacements. */
  async put<D>(kind: K, name: string, definition: D, description?: string): Promise<MetaEntry<K, D>> {
    const previous = await this.get<D>(kind, name);
    const entry: MetaEntry<K, D> = {
      kind,
      name,
      description,
      definition,
      version: (previous?.version ?? 0) + 1,
      updated_at: new Date().toISOString(),
    };
    try {
      await this.client.index({
        index: this.alias,
        id: MetaIndexRepository.id(kind, name),
        document: entry,
        refresh: 'wait_for',
      });
      return entry;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /**
   * Writes an entry without reading it first and, unless `refresh` says otherwise, without waiting
   * for it to be searchable: for state written often (a job's progress every few seconds), whose
   * readers go by id (real-time in Elasticsearch). Its version stays 1.
   */
  async overwrite<D>(
    kind: K,
    name: string,
    definition: D,
    refresh: boolean | 'wait_for' = false,
  ): Promise<void> {
    try {
      await this.client.index({
        index: this.alias,
        id: MetaIndexRepository.id(kind, name),
        document: {
          kind,
          name,
          definition,
          version: 1,
          updated_at: new Date().toISOString(),
        } satisfies MetaEntry<K, D>,
        refresh,
      });
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  async delete(kind: K, name: string): Promise<boolean> {
    try {
      const response = await this.client.delete(
        { index: this.alias, id: MetaIndexRepository.id(kind, name), refresh: 'wait_for' },
        { ignore: [404] },
      );
      return response.result === 'deleted';
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }
}

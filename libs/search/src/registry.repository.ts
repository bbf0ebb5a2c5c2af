import type { Client } from '@elastic/elasticsearch';
import { mapElasticsearchError } from './elasticsearch.client';

export type RegistryKind = 'tool' | 'prompt' | 'resource' | 'collection' | 'relationship' | 'api_key';

export interface RegistryEntry<D = unknown> {
  kind: RegistryKind;
  name: string;
  description?: string;
  definition: D;
  version: number;
  updated_at: string;
}

/** The metadata index: saved-search tools, prompts and the other registry entries, by kind and name. */
export class RegistryRepository {
  constructor(
    private readonly client: Client,
    private readonly alias: string,
  ) {}

  private static id(kind: RegistryKind, name: string): string {
    return `${kind}:${name}`;
  }

  async list<D>(kind: RegistryKind): Promise<RegistryEntry<D>[]> {
    try {
      const response = await this.client.search<RegistryEntry<D>>({
        index: this.alias,
        query: { term: { kind } },
        sort: [{ name: 'asc' }],
        size: 10_000,
      });
      return response.hits.hits.map((h) => h._source!);
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  async get<D>(kind: RegistryKind, name: string): Promise<RegistryEntry<D> | undefined> {
    try {
      const response = await this.client.get<RegistryEntry<D>>(
        { index: this.alias, id: RegistryRepository.id(kind, name) },
        { ignore: [404] },
      );
      return response.found ? response._source : undefined;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  /** Creates or replaces an entry; the version counts the replacements. */
  async put<D>(
    kind: RegistryKind,
    name: string,
    definition: D,
    description?: string,
  ): Promise<RegistryEntry<D>> {
    const previous = await this.get<D>(kind, name);
    const entry: RegistryEntry<D> = {
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
        id: RegistryRepository.id(kind, name),
        document: entry,
        refresh: 'wait_for',
      });
      return entry;
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }

  async delete(kind: RegistryKind, name: string): Promise<boolean> {
    try {
      const response = await this.client.delete(
        { index: this.alias, id: RegistryRepository.id(kind, name), refresh: 'wait_for' },
        { ignore: [404] },
      );
      return response.result === 'deleted';
    } catch (error) {
      throw mapElasticsearchError(error);
    }
  }
}

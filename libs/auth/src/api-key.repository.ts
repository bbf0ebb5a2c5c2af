import type { Client } from '@elastic/elasticsearch';
import { MetaIndexRepository } from '@quarry/search';
import type { StoredApiKey } from './authenticator';

const KIND = 'api_key';

/** Keys created through the API, hashed, in the metadata index (kind `api_key`, by name). */
export class ApiKeyRepository {
  private readonly index: MetaIndexRepository<typeof KIND>;

  constructor(client: Client, alias: string) {
    this.index = new MetaIndexRepository(client, alias);
  }

  async list(): Promise<StoredApiKey[]> {
    return (await this.index.list<StoredApiKey>(KIND)).map((entry) => entry.definition);
  }

  async find(name: string): Promise<StoredApiKey | undefined> {
    return (await this.index.get<StoredApiKey>(KIND, name))?.definition;
  }

  async save(key: StoredApiKey): Promise<void> {
    await this.index.put(KIND, key.id, key, `${key.role} key`);
  }

  remove(name: string): Promise<boolean> {
    return this.index.delete(KIND, name);
  }
}

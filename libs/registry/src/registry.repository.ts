import { MetaIndexRepository, type MetaEntry } from '@quarry/search';

/** What the registry keeps in the metadata index. */
export type RegistryKind = 'tool' | 'prompt' | 'resource' | 'collection' | 'relationship';

export type RegistryEntry<D = unknown> = MetaEntry<RegistryKind, D>;

/** Saved-search tools, prompts and the other registry entries, by kind and name, in the metadata index. */
export class RegistryRepository extends MetaIndexRepository<RegistryKind> {}

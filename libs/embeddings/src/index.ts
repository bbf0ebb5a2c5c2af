export * from './embedder';
export * from './create-embedder';
export * from './local.embedder';
export * from './openai.embedder';
export * from './batch-plan';
export {
  UseLiteModel,
  USE_LITE_DIMS,
  USE_LITE_MAX_TOKENS,
  normalizeRows,
  type TfBackendName,
} from './use-lite.model';
export { UseLiteTokenizer, type VocabularyEntry } from './use-lite.tokenizer';
export { useLiteModelDirectory } from './use-lite.files';

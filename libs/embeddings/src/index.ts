export * from './embedder';
export * from './create-embedder';
export * from './local.embedder';
export * from './openai.embedder';
export * from './batch-plan';
export * from './use-lite.model-info';
export * from './use-lite.tokenizer';
// The in-thread model (use-lite.model.ts), its WASM kernel and the worker pool stay internal: importing the
// model would start a tfjs engine in the importing thread, and only the model workers should have one.

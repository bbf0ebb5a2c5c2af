export * from './embedder';
export * from './create-embedder';
export * from './model-manifest';
export * from './model-store';
export * from './onnx.embedder';
export * from './openai.embedder';
export * from './batch-plan';
export * from './pooling';

import type { EmbeddingModelInfo } from '@quarry/embeddings';

/**
 * What the vector index records about the model that wrote it (its mappings `_meta`). Vectors of two
 * models, or of one model fed different prefixes or pooled differently, are not comparable, so start-up
 * compares this record with the configured embedder and refuses to mix them.
 */
export interface VectorIndexModel {
  embedder: string;
  dims: number;
  pooling?: string;
  query_prefix?: string;
  passage_prefix?: string;
}

export function vectorIndexModel(model: EmbeddingModelInfo): VectorIndexModel {
  return {
    embedder: model.id,
    dims: model.dims,
    pooling: model.pooling,
    query_prefix: model.queryPrefix,
    passage_prefix: model.passagePrefix,
  };
}

const FIELDS: { key: keyof VectorIndexModel; label: string }[] = [
  { key: 'embedder', label: 'model' },
  { key: 'dims', label: 'dimensions' },
  { key: 'pooling', label: 'pooling' },
  { key: 'query_prefix', label: 'query prefix' },
  { key: 'passage_prefix', label: 'passage prefix' },
];

/**
 * The differences between the recorded model and the configured one, one phrase each
 * (`model: "local:e5-small-v2" -> "local:bge-small-en-v1.5"`); empty when they match. Fields an older
 * index did not record are not compared.
 */
export function modelDifferences(
  recorded: Partial<VectorIndexModel>,
  configured: VectorIndexModel,
): string[] {
  return FIELDS.filter(({ key }) => recorded[key] !== undefined && recorded[key] !== configured[key]).map(
    ({ key, label }) => `${label}: ${JSON.stringify(recorded[key])} -> ${JSON.stringify(configured[key])}`,
  );
}

import { createHash } from 'node:crypto';
import type { Embedder } from '@quarry/embeddings';

const DIMS = 384;

function vectorOf(text: string): number[] {
  const vector = new Array<number>(DIMS).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const digest = createHash('sha1').update(word).digest();
    vector[digest.readUInt16BE(0) % DIMS] += digest[2] & 1 ? 1 : -1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

/**
 * A deterministic embedder for integration tests whose subject is not the model (security,
 * faults, protocols): each word hashes to one dimension, so texts that share words are close.
 * It starts in no time and costs no CPU, and the real Elasticsearch and Redis still do the work.
 * Tests of meaning (semantic and hybrid ranking, live semantic matches) use the real model.
 */
export function fakeEmbedder(): Embedder {
  const model = {
    id: 'test:hashed-words',
    dims: DIMS,
    pooling: 'mean' as const,
    queryPrefix: '',
    passagePrefix: '',
  };
  const embed = async (texts: string[]) => texts.map(vectorOf);
  return {
    id: model.id,
    dims: model.dims,
    model,
    embedQueries: embed,
    embedPassages: embed,
    close: async () => undefined,
    // Hashed words carry no vocabulary: the relevance floor keeps its single bar (a fake model has none anyway).
    knownWordShare: () => undefined,
  };
}

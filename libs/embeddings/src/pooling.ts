import type { Pooling } from './model-manifest';

/**
 * Turns a batch of token states `[batch, sequence, dims]` (row-major) into one vector per text: the mean
 * of the states of its real tokens (padding excluded through the attention mask) or the state of its
 * first token ([CLS]); then, if asked, scales every vector to unit length.
 */
export function poolBatch(
  states: Float32Array,
  mask: ArrayLike<number | bigint>,
  shape: { batch: number; sequence: number; dims: number },
  pooling: Pooling,
  normalize: boolean,
): Float32Array[] {
  const { batch, sequence, dims } = shape;
  if (states.length !== batch * sequence * dims) {
    throw new Error(`model output has ${states.length} values, expected ${batch}x${sequence}x${dims}`);
  }
  const vectors: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const vector = new Float32Array(dims);
    if (pooling === 'cls') {
      vector.set(states.subarray(b * sequence * dims, b * sequence * dims + dims));
    } else {
      let count = 0;
      for (let t = 0; t < sequence; t++) {
        if (Number(mask[b * sequence + t]) === 0) continue;
        count++;
        const offset = (b * sequence + t) * dims;
        for (let d = 0; d < dims; d++) vector[d] += states[offset + d];
      }
      if (count > 0) for (let d = 0; d < dims; d++) vector[d] /= count;
    }
    if (normalize) normalizeInPlace(vector);
    vectors.push(vector);
  }
  return vectors;
}

export function normalizeInPlace(vector: Float32Array): void {
  let sum = 0;
  for (let d = 0; d < vector.length; d++) sum += vector[d] * vector[d];
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let d = 0; d < vector.length; d++) vector[d] /= norm;
}

/**
 * Cuts a token sequence to `maxTokens`, keeping its last token (the closing [SEP] the model was trained
 * to see), as Hugging Face's truncation does.
 */
export function truncateIds(ids: number[], maxTokens: number): number[] {
  if (ids.length <= maxTokens) return ids;
  return [...ids.slice(0, maxTokens - 1), ids[ids.length - 1]];
}

/**
 * Packs token sequences into the model's padded int64 inputs. Sequences are padded with 0 (BERT's [PAD]
 * id) to the longest one; the attention mask marks the real tokens and token types are all 0 (one segment).
 */
export function padBatch(sequences: number[][]): {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  sequence: number;
} {
  const sequence = Math.max(1, ...sequences.map((ids) => ids.length));
  const size = sequences.length * sequence;
  const inputIds = new BigInt64Array(size);
  const attentionMask = new BigInt64Array(size);
  sequences.forEach((ids, row) => {
    for (let t = 0; t < ids.length; t++) {
      inputIds[row * sequence + t] = BigInt(ids[t]);
      attentionMask[row * sequence + t] = 1n;
    }
  });
  return { inputIds, attentionMask, tokenTypeIds: new BigInt64Array(size), sequence };
}

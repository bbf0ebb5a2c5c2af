import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { installFastWasmBatchMatMul } from './wasm-batch-matmul.kernel';

/** Plain triple loop over row-major data: the reference the kernel must match. */
function referenceBatchMatMul(
  a: Float32Array,
  b: Float32Array,
  [batch, m, k]: number[],
  n: number,
  transposeB: boolean,
): Float32Array {
  const out = new Float32Array(batch * m * n);
  for (let s = 0; s < batch; s++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const bValue = transposeB ? b[s * n * k + j * k + p] : b[s * k * n + p * n + j];
          sum += a[s * m * k + i * k + p] * bValue;
        }
        out[s * m * n + i * n + j] = sum;
      }
  return out;
}

const random = (size: number, seed: number): Float32Array => {
  let state = seed;
  return Float32Array.from(
    { length: size },
    () => ((state = (Math.imul(state, 48271) + 11) >>> 0) / 2 ** 32) * 2 - 1,
  );
};

describe('fast WASM BatchMatMul', () => {
  beforeAll(async () => {
    installFastWasmBatchMatMul();
    await tf.setBackend('wasm');
  });

  it.each([
    ['batched, b as is', [2, 3, 20, 64], [2, 3, 64, 24], false],
    ['batched, b transposed (attention QKᵀ)', [2, 3, 20, 64], [2, 3, 24, 64], true],
    ['rank 3, b transposed', [4, 32, 64], [4, 40, 64], true],
    ['single matrix, b transposed', [1, 32, 64], [1, 40, 64], true],
    ['batched but small (stock path)', [2, 3, 5, 7], [2, 3, 4, 7], true],
    ['plain 2-D (stock path)', [6, 8], [8, 3], false],
  ])('%s equals the reference', (_name, aShape, bShape, transposeB) => {
    const rank = aShape.length;
    const batch = aShape.slice(0, -2).reduce((x, y) => x * y, 1);
    const [m, k] = aShape.slice(-2);
    const n = transposeB ? bShape[rank - 2] : bShape[rank - 1];
    const aData = random(
      aShape.reduce((x, y) => x * y, 1),
      1,
    );
    const bData = random(
      bShape.reduce((x, y) => x * y, 1),
      2,
    );
    const result = tf.tidy(() =>
      tf.matMul(tf.tensor(aData, aShape), tf.tensor(bData, bShape), false, transposeB),
    );
    expect(result.shape).toEqual([...aShape.slice(0, -2), m, n]);
    const expected = referenceBatchMatMul(aData, bData, [batch, m, k], n, transposeB);
    const actual = result.dataSync();
    const worst = expected.reduce((max, value, i) => Math.max(max, Math.abs(actual[i] - value)), 0);
    expect(worst).toBeLessThan(1e-4);
    result.dispose();
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const a = tf.ones([3, 4, 5]);
    const b = tf.ones([3, 6, 5]);
    tf.matMul(a, b, false, true).dispose();
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

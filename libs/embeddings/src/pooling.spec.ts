import { normalizeInPlace, padBatch, poolBatch, truncateIds } from './pooling';

describe('poolBatch', () => {
  // Two texts, sequence 3, dims 2; the second text has one padding position (mask 0).
  const states = Float32Array.from([1, 2, 3, 4, 5, 6, /* text 2 */ 10, 0, 20, 0, 999, 999]);
  const mask = [1, 1, 1, 1, 1, 0];
  const shape = { batch: 2, sequence: 3, dims: 2 };

  it('mean pooling averages the real tokens only, never the padding', () => {
    const [first, second] = poolBatch(states, mask, shape, 'mean', false);
    expect(Array.from(first)).toEqual([3, 4]);
    expect(Array.from(second)).toEqual([15, 0]);
  });

  it('CLS pooling takes the first token state', () => {
    const [first, second] = poolBatch(states, mask, shape, 'cls', false);
    expect(Array.from(first)).toEqual([1, 2]);
    expect(Array.from(second)).toEqual([10, 0]);
  });

  it('normalises to unit length when the model asks for it', () => {
    const [first] = poolBatch(states, mask, shape, 'cls', true);
    expect(Math.hypot(...first)).toBeCloseTo(1, 6);
    expect(first[1] / first[0]).toBeCloseTo(2, 6);
  });

  it('takes the mask as bigint too (ONNX int64 tensors)', () => {
    const [, second] = poolBatch(states, [1n, 1n, 1n, 1n, 1n, 0n], shape, 'mean', false);
    expect(Array.from(second)).toEqual([15, 0]);
  });

  it('refuses an output of the wrong size', () => {
    expect(() => poolBatch(states.subarray(1), mask, shape, 'mean', false)).toThrow(/expected 2x3x2/);
  });

  it('leaves a zero vector alone rather than dividing by zero', () => {
    const zero = new Float32Array(3);
    normalizeInPlace(zero);
    expect(Array.from(zero)).toEqual([0, 0, 0]);
  });
});

describe('truncateIds', () => {
  it('cuts at the limit and keeps the closing token', () => {
    expect(truncateIds([101, 1, 2, 3, 4, 102], 4)).toEqual([101, 1, 2, 102]);
    expect(truncateIds([101, 1, 102], 4)).toEqual([101, 1, 102]);
  });
});

describe('padBatch', () => {
  it('pads with 0 to the longest sequence and masks the padding', () => {
    const batch = padBatch([
      [101, 7, 102],
      [101, 102],
    ]);
    expect(batch.sequence).toBe(3);
    expect(Array.from(batch.inputIds)).toEqual([101n, 7n, 102n, 101n, 102n, 0n]);
    expect(Array.from(batch.attentionMask)).toEqual([1n, 1n, 1n, 1n, 1n, 0n]);
    expect(Array.from(batch.tokenTypeIds)).toEqual([0n, 0n, 0n, 0n, 0n, 0n]);
  });
});

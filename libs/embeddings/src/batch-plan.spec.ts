import { estimateTokens, planBatches, type BatchLimits } from './batch-plan';

const limits: BatchLimits = { maxTexts: 64, maxTokens: 1024, parallelism: 2, maxSequence: 128 };
const words = (count: number): string => Array.from({ length: count }, () => 'word').join(' ');

describe('estimateTokens', () => {
  it('grows with the text and stops at the model sequence length', () => {
    expect(estimateTokens('', 128)).toBe(1);
    expect(estimateTokens(words(10), 128)).toBeLessThan(estimateTokens(words(20), 128));
    expect(estimateTokens(words(1000), 128)).toBe(128);
  });
});

describe('planBatches', () => {
  it('covers every index exactly once', () => {
    const texts = Array.from({ length: 100 }, (_, i) => words((i * 37) % 150));
    const batches = planBatches(texts, limits);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(texts.map((_, i) => i));
  });

  it('batches long texts with long ones and short with short, longest first', () => {
    const texts = [words(2), words(100), words(3), words(100)];
    expect(planBatches(texts, { ...limits, parallelism: 1, maxTokens: 250 })).toEqual([
      [1, 3],
      [2, 0],
    ]);
  });

  it('keeps padded tokens per batch within the budget', () => {
    const texts = Array.from({ length: 40 }, () => words(200));
    const batches = planBatches(texts, { ...limits, parallelism: 1 });
    expect(batches.every((b) => b.length * 128 <= 1024)).toBe(true);
    expect(batches).toHaveLength(5);
  });

  it('gives every worker a share of a small call', () => {
    const texts = Array.from({ length: 6 }, (_, i) => `short line ${i}`);
    expect(planBatches(texts, { ...limits, parallelism: 2 }).map((b) => b.length)).toEqual([3, 3]);
    expect(planBatches(['one'], { ...limits, parallelism: 4 })).toEqual([[0]]);
  });

  it('never exceeds maxTexts and never yields an empty batch', () => {
    const texts = Array.from({ length: 300 }, () => 'a');
    const batches = planBatches(texts, { ...limits, maxTexts: 64, parallelism: 1 });
    expect(batches.map((b) => b.length)).toEqual([64, 64, 64, 64, 44]);
    expect(planBatches([words(300)], { ...limits, maxTokens: 10 })).toEqual([[0]]);
    expect(planBatches([], limits)).toEqual([]);
  });
});

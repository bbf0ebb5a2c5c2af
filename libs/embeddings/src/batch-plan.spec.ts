import { planBatches, type BatchLimits } from './batch-plan';

const limits: BatchLimits = { maxTexts: 64, maxTokens: 1024 };

describe('planBatches', () => {
  it('covers every index exactly once', () => {
    const lengths = Array.from({ length: 100 }, (_, i) => 2 + ((i * 37) % 150));
    const batches = planBatches(lengths, limits);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
  });

  it('batches long texts with long ones and short with short, longest first', () => {
    expect(planBatches([3, 100, 4, 100], { ...limits, maxTokens: 250 })).toEqual([
      [1, 3],
      [2, 0],
    ]);
  });

  it('keeps padded tokens per batch within the budget', () => {
    const batches = planBatches(
      Array.from({ length: 40 }, () => 128),
      limits,
    );
    expect(batches.every((b) => b.length * 128 <= 1024)).toBe(true);
    expect(batches).toHaveLength(5);
  });

  it('never exceeds maxTexts and never yields an empty batch', () => {
    const batches = planBatches(
      Array.from({ length: 300 }, () => 3),
      limits,
    );
    expect(batches.map((b) => b.length)).toEqual([64, 64, 64, 64, 44]);
    expect(planBatches([300], { ...limits, maxTokens: 10 })).toEqual([[0]]);
    expect(planBatches([], limits)).toEqual([]);
  });
});

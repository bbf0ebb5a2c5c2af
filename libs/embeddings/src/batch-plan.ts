/**
 * Splits one embed call into model runs. A run costs about (texts × longest text) because every sequence
 * is padded to the longest one, and each run also pays a fixed graph overhead; so texts are grouped
 * longest first (little padding) and runs are filled up to a padded-token budget (few runs).
 */
export interface BatchLimits {
  /** Most texts in one run. */
  maxTexts: number;
  /** Most padded tokens (texts × longest text) in one run. */
  maxTokens: number;
}

/** Returns runs of indices into `lengths` (token counts); every index appears exactly once. Deterministic. */
export function planBatches(lengths: readonly number[], limits: BatchLimits): number[][] {
  const order = lengths.map((_, index) => index).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const batches: number[][] = [];
  let batch: number[] = [];
  let longest = 0;
  for (const index of order) {
    if (batch.length === 0) longest = lengths[index];
    else if (batch.length >= limits.maxTexts || (batch.length + 1) * longest > limits.maxTokens) {
      batches.push(batch);
      batch = [];
      longest = lengths[index];
    }
    batch.push(index);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

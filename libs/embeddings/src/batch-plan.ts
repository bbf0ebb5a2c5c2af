/**
 * Splits one embed call into model batches. A batch costs (texts × longest text) because the model pads
 * every sequence to the longest one, and each model run also pays a fixed ~15-20 ms of graph overhead;
 * so texts are grouped longest first (little padding), batches are filled up to a padded-token budget
 * (few runs), and no batch takes more than its share of the call, so every worker gets some of it.
 */
export interface BatchLimits {
  /** Most texts in one batch. */
  maxTexts: number;
  /** Most padded tokens (texts × longest text) in one batch. */
  maxTokens: number;
  /** Workers that will share the batches. */
  parallelism: number;
  /** Longest sequence the model reads; longer texts are cut there, so they cost no more. */
  maxSequence: number;
}

/** Rough piece count of a text: English averages about five characters per SentencePiece piece. */
export function estimateTokens(text: string, maxSequence: number): number {
  return Math.min(maxSequence, Math.ceil(text.length / 5) + 1);
}

/** Returns batches of indices into `texts`; every index appears exactly once. Deterministic. */
export function planBatches(texts: readonly string[], limits: BatchLimits): number[][] {
  const share = Math.max(1, Math.ceil(texts.length / Math.max(1, limits.parallelism)));
  const cap = Math.max(1, Math.min(limits.maxTexts, share));
  const tokens = texts.map((text) => estimateTokens(text, limits.maxSequence));
  const order = texts.map((_, index) => index).sort((a, b) => tokens[b] - tokens[a] || a - b);
  const batches: number[][] = [];
  let batch: number[] = [];
  let longest = 0;
  for (const index of order) {
    if (batch.length === 0) longest = tokens[index];
    else if (batch.length >= cap || (batch.length + 1) * longest > limits.maxTokens) {
      batches.push(batch);
      batch = [];
      longest = tokens[index];
    }
    batch.push(index);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

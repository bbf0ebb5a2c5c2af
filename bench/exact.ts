/** The model's exact side, as bench/semantic-ceiling.ts and bench/rankings.ts measure it: whole documents embedded alone, ranked by exact cosine. */

/** A whole document as the ceiling embeds it: title and body; the embedder cuts it at its max tokens. */
export function wholeDocumentText(document: { title?: string; body: string }): string {
  return document.title ? `${document.title}\n${document.body}` : document.body;
}

export function dot(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

export function normalised(vector: number[]): number[] {
  const norm = Math.sqrt(dot(vector, vector)) || 1;
  return vector.map((x) => x / norm);
}

/** Ids by exact cosine, best first (vectors normalised beforehand). */
export function rankExact(query: number[], candidates: { id: string; vector: number[] }[]): string[] {
  return candidates
    .map((c) => ({ id: c.id, score: dot(query, c.vector) }))
    .sort((a, b) => b.score - a.score)
    .map((c) => c.id);
}

/**
 * Embeds `texts` `perRun` at a time. The int8 model quantizes its activations with one scale per
 * run, so a text's vector depends on the texts it shares a run with (cosine 0.997 to the same text
 * embedded alone, where e5's relevant and irrelevant cosines are a few hundredths apart): Quarry
 * embeds a query alone, and the ceiling embeds each document alone, as the model itself would.
 */
export async function embedInRuns(
  texts: string[],
  embed: (batch: string[]) => Promise<number[][]>,
  label: string,
  perRun: number,
): Promise<number[][]> {
  const vectors: number[][] = [];
  const started = performance.now();
  for (let i = 0; i < texts.length; i += perRun) {
    vectors.push(...(await embed(texts.slice(i, i + perRun))));
    process.stdout.write(
      `\r  ${label}: ${vectors.length}/${texts.length} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );
  }
  process.stdout.write('\n');
  return vectors.map(normalised);
}

/**
 * A document of several chunks is also embedded whole (`document_embedding`, on its first chunk)
 * and ranked by meaning with its best chunk and that vector together (`poolChunks`).
 */
import type { Embedder } from '@quarry/embeddings';

/**
 * Words of a document's body its whole-document vector is embedded from: its gist (a man page's
 * NAME, SYNOPSIS and the start of its DESCRIPTION, a description's summary, a docstring's first
 * paragraphs), at about a third of the model's cost for 512 tokens. Mean with the best chunk,
 * MRR@10 (bench/semantic-ceiling.ts, exact vectors, 400 documents and 200 queries a corpus):
 *
 * | whole-document text | man pages | docstrings | AppStream |
 * |---|---|---|---|
 * | title and the body's first 80 words | 0.846 | 0.815 | 0.850 |
 * | title and the body's first 150 words | 0.842 | 0.817 | 0.851 |
 * | title and the body's first 300 words | 0.819 | 0.814 | 0.851 |
 * | title and body, cut at the model's 512 tokens | 0.823 | 0.814 | 0.850 |
 *
 * (max-pooling alone: 0.816, 0.811, 0.829). 150 is inside the plateau of the shorter cuts, not its
 * best point on one corpus. The man pages' queries are their NAME lines, which their bodies do not
 * hold: the gain is the synopsis and the description's start standing for the page.
 */
export const WHOLE_DOCUMENT_WORDS = 150;

/**
 * The text a document is embedded whole from: its title, a line break, its body's first `words`
 * words (another count only to measure others: bench/semantic-ceiling.ts).
 */
export function wholeDocumentText(
  title: string | undefined,
  body: string,
  words = WHOLE_DOCUMENT_WORDS,
): string {
  // The end of the `words`-th run of non-space characters, the text's own spacing kept.
  const word = /\S+/g;
  let end = body.length;
  for (let n = 0; n < words; n++) {
    const found = word.exec(body);
    if (!found) break;
    if (n === words - 1) end = found.index + found[0].length;
  }
  const start = body.slice(0, end);
  return title ? `${title}\n${start}` : start;
}

/**
 * Chunk texts and whole-document texts embedded in calls of their own, asked for at once (the
 * model works through them in order). The int8 model scales each run by the texts it holds: whole
 * documents sharing runs with the longest chunks moved those chunks' vectors (the docstrings'
 * exact chunk ranking fell from 0.811 to 0.803).
 */
export async function embedChunksAndWholes(
  embedder: Pick<Embedder, 'embedPassages'>,
  texts: { chunks: string[]; wholes: string[] },
  signal?: AbortSignal,
): Promise<{ chunks: number[][]; wholes: number[][] }> {
  const [chunks, wholes] = await Promise.all(
    [texts.chunks, texts.wholes].map((group) =>
      group.length ? embedder.embedPassages(group, signal) : Promise.resolve([]),
    ),
  );
  return { chunks, wholes };
}

/** Whether a document of `chunks` chunks gets a whole-document vector (one chunk is its own). */
export function hasDocumentVector(chunks: number): boolean {
  return chunks > 1;
}

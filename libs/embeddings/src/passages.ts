import type { Embedder } from './embedder';

/** A document as its passages are built: its title and body. */
export interface PassageDocument {
  title?: string;
  body: string;
}

/** A chunk as its passage is built: its text and heading path. */
export interface PassageChunk {
  text: string;
  location?: { heading?: string[] };
}

/** A chunk on its own: its document's title and heading path place it, then its text. */
export function chunkPassage(title: string | undefined, chunk: PassageChunk): string {
  const context = [title, ...(chunk.location?.heading ?? [])].filter(Boolean).join(' > ');
  return context ? `${context}. ${chunk.text}` : chunk.text;
}

/** A whole document as the model reads one: its title, a line break, its body. */
export function documentPassage(document: PassageDocument): string {
  return document.title ? `${document.title}\n${document.body}` : document.body;
}

/**
 * What is embedded for each chunk of a document (ingest and `quarry reindex --embeddings` alike):
 * its own passage (`chunkPassage`), except in a document of several chunks that the model reads
 * whole (`Embedder.readsWhole`), whose chunks after the first take the whole document's passage.
 *
 * Search scores a document by its best chunk, so each chunk of a document is one more draw at
 * every query: a short description cut into five chunks outranks the one-chunk description that
 * answers, and the model, reading each document whole, would not (bench/semantic-ceiling.ts:
 * AppStream's 81 descriptions of several chunks cost MRR@10 0.829 against the model's own 0.851).
 * With the whole document's vector for the later chunks, a short document has two draws, its first
 * chunk and itself: AppStream 0.849, Python docstrings 0.811 → 0.819, man pages 0.818 → 0.816
 * (their first chunk, the NAME line, is what their queries say, which is why it keeps its own
 * vector), WordNet unchanged (no definition has two chunks). A document longer than the model
 * reads keeps a vector per chunk: its whole-document vector would see only its start.
 *
 * The chunks keep their own texts, so what a hit shows and where it is located are unchanged;
 * only meaning can no longer tell a short document's later chunks apart, which it could not
 * reliably anyway (shown-chunk.ts: the chunks of one page sit within 0.004 by meaning).
 */
export function documentPassages(
  document: PassageDocument,
  chunks: readonly PassageChunk[],
  embedder: Pick<Embedder, 'readsWhole'>,
): string[] {
  const own = chunks.map((chunk) => chunkPassage(document.title, chunk));
  if (chunks.length < 2) return own;
  const whole = documentPassage(document);
  if (!embedder.readsWhole?.(whole)) return own;
  return own.map((passage, n) => (n === 0 ? passage : whole));
}

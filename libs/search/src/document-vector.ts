/**
 * A document of several chunks is also embedded whole (`document_embedding`, on its first chunk)
 * and ranked by meaning with its best chunk and that vector together (`poolChunks`).
 */

/**
 * Characters of a document the whole-document vector is embedded from: past the model's window
 * (512 tokens, none shorter than a character, few over 32) nothing is read, so a megabyte of body
 * is not shipped to the embedder to be cut there.
 */
const WHOLE_DOCUMENT_CHARS = 16_384;

/** The text a document is embedded whole from: its title, a line break, its body's start. */
export function wholeDocumentText(title: string | undefined, body: string): string {
  const start = body.length > WHOLE_DOCUMENT_CHARS ? body.slice(0, WHOLE_DOCUMENT_CHARS) : body;
  return title ? `${title}\n${start}` : start;
}

/** Whether a document of `chunks` chunks gets a whole-document vector (one chunk is its own). */
export function hasDocumentVector(chunks: number): boolean {
  return chunks > 1;
}

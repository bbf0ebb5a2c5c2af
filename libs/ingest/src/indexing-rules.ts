/**
 * The version of how a document is extracted, chunked and embedded. It is part of a document's
 * hashes and of a synced item's: when it changes, a document ingested again, and every item of a
 * source at its next sync, is extracted, chunked and embedded again though its bytes are the same
 * (otherwise it would keep what the old rules made of it until it changed).
 *
 * 2: PDF running heads and page labels, HTML permalink marks, Markdown headings read as text,
 * navigation sections, and a whole-document vector for a document of several chunks.
 */
export const INDEXING_RULES = 2;

/**
 * Input limits, the same on every edge. They keep one request from exhausting memory or the
 * embedder, and each is named in the error a client gets when it is exceeded.
 */
export const LIMITS = {
  idLength: 256,
  titleLength: 1_000,
  /** Characters of body text per document (about 1 MB of ASCII). */
  bodyLength: 1_000_000,
  /**
   * Chunks (vectors) per document: a full-length document of prose makes about 2,500; a body of
   * tiny pages or headings could make hundreds of thousands, and one bulk request too large to send.
   */
  chunksPerDocument: 4_000,
  collectionLength: 64,
  tags: 50,
  tagLength: 100,
  sourceLength: 2_048,
  /** Groups, and users, one document's `access` may name. */
  accessEntries: 100,
  accessNameLength: 256,
  /** Serialized JSON size of a document's metadata. */
  metadataBytes: 16_384,
  metadataDepth: 5,
  documentsPerBulk: 1_000,
  queryLength: 2_000,
  maxSize: 100,
  maxFrom: 10_000,
  /** Hits before the end of a page (`from + size`): Elasticsearch's index.max_result_window. */
  resultWindow: 10_000,
  collectionsPerQuery: 50,
} as const;

// `%` lets ids carry any name percent-encoded (file paths with spaces, `+`, accents).
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/%-]*$/;
export const COLLECTION_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

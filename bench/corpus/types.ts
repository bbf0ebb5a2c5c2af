export type CorpusName = 'manpages' | 'wordnet' | 'pydoc' | 'appstream';

/** Shaped like an `index_documents` item, so a benchmark can send it as it is. */
export interface CorpusDocument {
  id: string;
  title: string;
  body: string;
  collection: string;
  tags: string[];
}

export interface CorpusQuery {
  id: string;
  text: string;
  /** Ids of the documents that answer the query. */
  relevant: string[];
}

export interface Corpus {
  documents: CorpusDocument[];
  queries: CorpusQuery[];
}

export interface CorpusOptions {
  /** Documents wanted (default 2,000); fewer when the machine has fewer usable sources. */
  documents?: number;
  /** Queries wanted (default 300); at most one per document. */
  queries?: number;
}

export const DEFAULT_DOCUMENTS = 2000;
export const DEFAULT_QUERIES = 300;

/** Quarry's id pattern (libs/search/src/limits.ts), restated because bench/corpus imports only itself. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

/**
 * Retrieval-evaluation corpora built from text on a Debian machine: `manpages` (known-item, where
 * the query's words are in the document), `wordnet` (vocabulary mismatch, where none are) and
 * `pydoc` (Python standard-library docstrings: API reference text, summary line as the query).
 * All are deterministic: the same machine gives the same corpus, byte for byte.
 */
import { buildManpages } from './manpages';
import type { Corpus, CorpusName, CorpusOptions } from './types';
import { buildPydoc } from './pydoc';
import { buildWordnet } from './wordnet';

export type { Corpus, CorpusDocument, CorpusName, CorpusOptions, CorpusQuery } from './types';
export { DEFAULT_DOCUMENTS, DEFAULT_QUERIES } from './types';

export const CORPUS_NAMES: readonly CorpusName[] = ['manpages', 'wordnet', 'pydoc'];

/** Debian packages each corpus needs: mandoc renders the pages, the manpages packages guarantee
 * a few thousand pages even on a minimal image (every other installed package adds its own). */
export const CORPUS_PACKAGES: Record<CorpusName, string[]> = {
  manpages: ['mandoc', 'manpages', 'manpages-dev'],
  wordnet: ['wordnet-base'],
  pydoc: ['python3'],
};

export function buildCorpus(name: CorpusName, options: CorpusOptions = {}): Promise<Corpus> {
  switch (name) {
    case 'manpages':
      return buildManpages(options);
    case 'wordnet':
      return buildWordnet(options);
    case 'pydoc':
      return buildPydoc(options);
    default:
      throw new Error(`unknown corpus "${String(name)}"; expected one of ${CORPUS_NAMES.join(', ')}`);
  }
}

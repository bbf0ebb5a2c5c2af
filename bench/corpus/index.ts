/**
 * Retrieval-evaluation corpora built from text on a Debian machine: `manpages` (known-item, where
 * the query's words are in the document), `wordnet` (vocabulary mismatch, where none are) and
 * `pydoc` (Python standard-library docstrings: API reference text, summary line as the query) and
 * `appstream` (Debian's software catalogue: application descriptions, their summary as the query;
 * held out and blind, nothing is tuned on it).
 * All are deterministic: the same machine gives the same corpus, byte for byte.
 */
import { buildAppstream } from './appstream';
import { buildManpages } from './manpages';
import type { Corpus, CorpusName, CorpusOptions } from './types';
import { buildPydoc } from './pydoc';
import { buildWordnet } from './wordnet';

export type { Corpus, CorpusDocument, CorpusName, CorpusOptions, CorpusQuery } from './types';
export { DEFAULT_DOCUMENTS, DEFAULT_QUERIES } from './types';

export const CORPUS_NAMES: readonly CorpusName[] = ['manpages', 'wordnet', 'pydoc', 'appstream'];

/** Debian packages each corpus needs: mandoc renders the pages, the manpages packages guarantee
 * a few thousand pages even on a minimal image (every other installed package adds its own).
 * appstream's catalogue is an apt list, not a package's file: with the appstream package
 * installed, `apt-get update` downloads it (/var/lib/apt/lists/*_main_dep11_Components-*.yml.gz). */
export const CORPUS_PACKAGES: Record<CorpusName, string[]> = {
  manpages: ['mandoc', 'manpages', 'manpages-dev'],
  wordnet: ['wordnet-base'],
  pydoc: ['python3'],
  appstream: ['appstream'],
};

export function buildCorpus(name: CorpusName, options: CorpusOptions = {}): Promise<Corpus> {
  switch (name) {
    case 'manpages':
      return buildManpages(options);
    case 'wordnet':
      return buildWordnet(options);
    case 'pydoc':
      return buildPydoc(options);
    case 'appstream':
      return buildAppstream(options);
    default:
      throw new Error(`unknown corpus "${String(name)}"; expected one of ${CORPUS_NAMES.join(', ')}`);
  }
}

import { COLLECTION_PATTERN } from './limits';

export interface ParsedQuery {
  text: string;
  collections: string[];
}

/**
 * `@runbooks disk full` → collections ["runbooks"], text "disk full". An `@` word that is not a
 * valid collection name (an e-mail address, `@` alone) stays part of the text.
 */
export function parseQuery(query: string): ParsedQuery {
  const collections: string[] = [];
  const text = query
    .split(/\s+/)
    .filter((word) => {
      if (word.length > 1 && word.startsWith('@') && COLLECTION_PATTERN.test(word.slice(1))) {
        if (!collections.includes(word.slice(1))) collections.push(word.slice(1));
        return false;
      }
      return word.length > 0;
    })
    .join(' ');
  return { text, collections };
}

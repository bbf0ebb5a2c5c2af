import { COLLECTION_PATTERN } from './limits';

export interface ParsedQuery {
  text: string;
  collections: string[];
}

/**
 * `@runbooks disk full` → collections ["runbooks"], text "disk full". An `@` word that is not a
 * valid collection name (an e-mail address, `@` alone), or that `isCollection` rejects (no such
 * collection: `python @decorator syntax`), stays part of the text.
 */
export function parseQuery(query: string, isCollection: (name: string) => boolean = () => true): ParsedQuery {
  const collections: string[] = [];
  const text = query
    .split(/\s+/)
    .filter((word) => {
      const name = word.slice(1);
      if (word.length > 1 && word.startsWith('@') && COLLECTION_PATTERN.test(name) && isCollection(name)) {
        if (!collections.includes(name)) collections.push(name);
        return false;
      }
      return word.length > 0;
    })
    .join(' ');
  return { text, collections };
}

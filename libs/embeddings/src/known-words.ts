import * as fs from 'node:fs';

/**
 * Whether a query is made of real words, for the relevance floor (libs/search/src/relevance-floor.ts):
 * a real word a collection lacks is found by meaning with a smaller margin than made-up words reach
 * by chance, so the floor asks a smaller margin of it.
 *
 * A tokenizer's vocabulary alone is not enough to tell: e5's 30,000 word pieces keep everyday words
 * whole, but split rare real ones ("anode" → an ##ode, "phonation", "caput") exactly as they split
 * gibberish ("xqzvy" → x ##q ##z ##vy). So a word also counts as known when it is in a list of
 * English words: `an-array-of-english-words` (MIT, about 275,000 words with their inflections, from
 * the same sources as the spell checkers'), which holds none of the pseudo-words the floor is
 * measured against (bench/floor-margins.ts: 153 of random letters and of syllables such as
 * "snazzle", "flurbo"). Lower case, as is the list; the e5 and bge tokenizers are uncased too.
 */
export function knownWordShare(text: string, keptWhole: (word: string) => boolean): number | undefined {
  const words = (text.match(WORD) ?? []).filter((word) => LETTER.test(word)).slice(0, MAX_WORDS_WEIGHED);
  if (words.length === 0) return undefined;
  const known = words.filter((word) => keptWhole(word) || englishWords().has(word.toLowerCase()));
  return known.length / words.length;
}

let words: ReadonlySet<string> | undefined;

/**
 * The word list as a set, read once (about 0.1 s and 20 MB). Read as a file rather than required,
 * so that only the set stays in memory, not the module cache's copy of the array as well.
 */
export function englishWords(): ReadonlySet<string> {
  words ??= new Set(
    JSON.parse(fs.readFileSync(require.resolve('an-array-of-english-words'), 'utf8')) as string[],
  );
  return words;
}

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const LETTER = /\p{L}/u;
/** A query's first words are enough to tell words from gibberish. */
const MAX_WORDS_WEIGHED = 32;

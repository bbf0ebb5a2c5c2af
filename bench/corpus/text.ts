/**
 * Text helpers shared by the corpus builders and their sanity check: tokens and stems the way
 * Elasticsearch's `english` analyzer sees them (Lucene's English stop words, Porter stemming),
 * so "no shared words" and "literal overlap" mean what the lexical index would see.
 */
import { createHash } from 'node:crypto';

/** Lucene's default English stop words, which the `english` analyzer drops. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be but by for if in into is it no not of on or such that the their then there ' +
    'these they this to was will with'
  ).split(' '),
);

/** Lower-cased letter/digit runs, as the standard tokenizer splits at hyphens and punctuation. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** A hex digest used only to order things reproducibly without alphabetical clustering. */
export function stableHash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

const CONSONANT = '[^aeiou]';
const VOWEL = '[aeiouy]';
const CONSONANTS = `${CONSONANT}[^aeiouy]*`;
const VOWELS = `${VOWEL}[aeiou]*`;
const MEASURE_ABOVE_0 = new RegExp(`^(${CONSONANTS})?${VOWELS}${CONSONANTS}`);
const MEASURE_IS_1 = new RegExp(`^(${CONSONANTS})?${VOWELS}${CONSONANTS}(${VOWELS})?$`);
const MEASURE_ABOVE_1 = new RegExp(`^(${CONSONANTS})?${VOWELS}${CONSONANTS}${VOWELS}${CONSONANTS}`);
const HAS_VOWEL = new RegExp(`^(${CONSONANTS})?${VOWEL}`);
const ENDS_CVC = new RegExp(`^${CONSONANTS}${VOWEL}[^aeiouwxy]$`);

const STEP2: Record<string, string> = {
  ational: 'ate',
  tional: 'tion',
  enci: 'ence',
  anci: 'ance',
  izer: 'ize',
  bli: 'ble',
  alli: 'al',
  entli: 'ent',
  eli: 'e',
  ousli: 'ous',
  ization: 'ize',
  ation: 'ate',
  ator: 'ate',
  alism: 'al',
  iveness: 'ive',
  fulness: 'ful',
  ousness: 'ous',
  aliti: 'al',
  iviti: 'ive',
  biliti: 'ble',
  logi: 'log',
};
const STEP3: Record<string, string> = {
  icate: 'ic',
  ative: '',
  alize: 'al',
  iciti: 'ic',
  ical: 'ic',
  ful: '',
  ness: '',
};
const STEP2_SUFFIX = new RegExp(`^(.+?)(${Object.keys(STEP2).join('|')})$`);
const STEP3_SUFFIX = new RegExp(`^(.+?)(${Object.keys(STEP3).join('|')})$`);
const STEP4_SUFFIX = /^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$/;

/** The Porter (1980) stemmer, the algorithm behind Elasticsearch's `porter_stem` filter. */
function porter(input: string): string {
  if (input.length < 3) return input;
  const startsWithY = input[0] === 'y';
  let w = startsWithY ? `Y${input.slice(1)}` : input;
  let m: RegExpExecArray | null;

  if ((m = /^(.+?)(ss|i)es$/.exec(w))) w = m[1] + m[2];
  else if ((m = /^(.+?)([^s])s$/.exec(w))) w = m[1] + m[2];

  if ((m = /^(.+?)eed$/.exec(w))) {
    if (MEASURE_ABOVE_0.test(m[1])) w = w.slice(0, -1);
  } else if ((m = /^(.+?)(ed|ing)$/.exec(w)) && HAS_VOWEL.test(m[1])) {
    w = m[1];
    if (/(at|bl|iz)$/.test(w)) w += 'e';
    else if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
    else if (ENDS_CVC.test(w)) w += 'e';
  }

  if ((m = /^(.+?)y$/.exec(w)) && HAS_VOWEL.test(m[1])) w = `${m[1]}i`;
  if ((m = STEP2_SUFFIX.exec(w)) && MEASURE_ABOVE_0.test(m[1])) w = m[1] + STEP2[m[2]];
  if ((m = STEP3_SUFFIX.exec(w)) && MEASURE_ABOVE_0.test(m[1])) w = m[1] + STEP3[m[2]];

  if ((m = STEP4_SUFFIX.exec(w))) {
    if (MEASURE_ABOVE_1.test(m[1])) w = m[1];
  } else if ((m = /^(.+?)(s|t)(ion)$/.exec(w)) && MEASURE_ABOVE_1.test(m[1] + m[2])) {
    w = m[1] + m[2];
  }

  if ((m = /^(.+?)e$/.exec(w))) {
    const base = m[1];
    if (MEASURE_ABOVE_1.test(base) || (MEASURE_IS_1.test(base) && !ENDS_CVC.test(base))) w = base;
  }
  if (/ll$/.test(w) && MEASURE_ABOVE_1.test(w)) w = w.slice(0, -1);

  return startsWithY ? `y${w.slice(1)}` : w;
}

// Corpora repeat the same words thousands of times; the regex-heavy stemmer is the hot spot.
const stemCache = new Map<string, string>();

export function stem(token: string): string {
  let stemmed = stemCache.get(token);
  if (stemmed === undefined) {
    stemmed = /^[a-z]+$/.test(token) ? porter(token) : token;
    stemCache.set(token, stemmed);
  }
  return stemmed;
}

/** Content-word stems of a text: what the `english` analyzer would index or search for. */
export function contentStems(text: string): string[] {
  return tokenize(text)
    .filter((t) => !STOPWORDS.has(t))
    .map(stem);
}

/** Code-unit order, unlike localeCompare, so output does not depend on the machine's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import porterStem = require('@stdlib/nlp-porter-stemmer');
import { markSpans } from './snippet';

/**
 * Fragments where a query's words occur, marked as Elasticsearch's `html` highlight encoder marks
 * them (`<em>` around each, the rest HTML-escaped), computed here for the few chunks a page shows.
 *
 * Why not Elasticsearch's highlighter: it costs about half a millisecond of its CPU per hit
 * whatever the text's length (measured at concurrency 16 on the man-page bench: a page of 10
 * chunks took 6-9 ms with fragments, 3 ms without), as much as the search itself, while the shown
 * chunks' text (a few hundred words each) is read anyway. The words are matched as the `english`
 * analyzer of the full-text index matches them: words as Lucene's standard tokenizer cuts them
 * (letters and digits, joined by `_`, and by an apostrophe or a dot between two of them:
 * "x86_64", "foo.bar", "john's"; a hyphen separates), lower case, the possessive `'s` dropped,
 * Lucene's English stop words ignored and the Porter stemmer (a maintained implementation of the
 * algorithm Lucene's `porter_stem` runs), so "disks" marks "disk" and "the" marks nothing.
 * (`Intl.Segmenter` cuts words and sentences by the same Unicode rules, but took 1.6 ms per chunk.)
 */

/** Lucene's English stop words (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET): the analyzer drops them. */
const STOP_WORDS = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(
    ' ',
  ),
);

/** A word: letters, digits, marks and `_`, with `'`, `’`, `.` or `:` allowed between two of them. */
const WORD = /[\p{L}\p{N}\p{M}_]+(?:['’.:][\p{L}\p{N}\p{M}_]+)*/gu;
/** A sentence: up to `.`, `!` or `?` and the spaces after them, or up to a blank line. */
const SENTENCE = /[^]*?(?:[.!?]+(?:\s+|$)|\n\s*\n|$)/g;

export interface FragmentOptions {
  /** A sentence longer than this is cut into pieces about this long. */
  fragmentSize: number;
  /** At most this many fragments, the best-scoring ones, in the order they occur. */
  fragments: number;
}

export const DEFAULT_FRAGMENTS: FragmentOptions = { fragmentSize: 160, fragments: 3 };

/** Stems already computed: a language repeats its words, and stemming is most of the work. */
const stems = new Map<string, string>();
const MAX_STEMS = 50_000;

/** The index term of a word, or undefined for a stop word. */
function termOf(word: string): string | undefined {
  const lower = word.toLowerCase().replace(/['’]s$/, '');
  if (STOP_WORDS.has(lower)) return undefined;
  let stem = stems.get(lower);
  if (stem === undefined) {
    if (stems.size >= MAX_STEMS) stems.clear();
    stem = porterStem(lower);
    stems.set(lower, stem);
  }
  return stem;
}

/** The terms a query's words match. */
export function queryTerms(query: string): Set<string> {
  const terms = new Set<string>();
  for (const [word] of query.matchAll(WORD)) {
    const term = termOf(word);
    if (term) terms.add(term);
  }
  return terms;
}

/** A query word found in a text: where it is and which term it is. */
interface Found {
  start: number;
  end: number;
  term: string;
}

/**
 * Every query word in `text`, in order. The Porter stemmer never changes a word's first letter, so
 * only words that start as a query term does are stemmed (most words of a text are not). One
 * pattern for every query: compiling a Unicode pattern costs milliseconds.
 */
function find(text: string, terms: Set<string>): Found[] {
  const initials = new Set([...terms].map((term) => term[0]));
  const found: Found[] = [];
  WORD.lastIndex = 0;
  for (let match = WORD.exec(text); match; match = WORD.exec(text)) {
    if (!initials.has(match[0][0].toLowerCase())) continue;
    const term = termOf(match[0]);
    if (term && terms.has(term)) found.push({ start: match.index, end: match.index + match[0].length, term });
  }
  return found;
}

/** `text[start, end)` HTML-escaped, whitespace collapsed, with `<em>` around the words found. */
function render(text: string, start: number, end: number, found: Found[]): string {
  const spans = found.map((word) => [word.start, word.end] as const);
  return markSpans(text, spans, start, end).replace(/\s+/g, ' ').trim();
}

/** Sentences as [start, end) offsets, each cut at the first space past `size` when it is longer. */
function passages(text: string, size: number): [number, number][] {
  const result: [number, number][] = [];
  for (const match of text.matchAll(SENTENCE)) {
    if (match[0].length === 0) continue;
    let from = match.index;
    const end = match.index + match[0].length;
    while (end - from > size) {
      const cut = text.indexOf(' ', from + size);
      if (cut < 0 || cut >= end) break;
      result.push([from, cut]);
      from = cut + 1;
    }
    result.push([from, end]);
  }
  return result;
}

/**
 * The best fragments of `text` for `terms`: sentences ranked by how many different query words
 * they hold, then by how often they hold them, the first on ties; shown in the order they occur.
 * None when no query word occurs. Only the chosen sentences are rendered.
 */
export function highlightFragments(
  text: string,
  terms: Set<string>,
  options: FragmentOptions = DEFAULT_FRAGMENTS,
): string[] {
  if (terms.size === 0) return [];
  const found = find(text, terms);
  if (found.length === 0) return [];
  return passages(text, options.fragmentSize)
    .map(([start, end], position) => {
      const inside = found.filter((word) => word.start >= start && word.end <= end);
      return { start, end, position, hits: inside.length, distinct: new Set(inside.map((w) => w.term)).size };
    })
    .filter((p) => p.hits > 0)
    .sort((a, b) => b.distinct - a.distinct || b.hits - a.hits || a.position - b.position)
    .slice(0, options.fragments)
    .sort((a, b) => a.position - b.position)
    .map((p) => render(text, p.start, p.end, found));
}

/** The whole of a short text (a title) marked, or undefined when none of its words is a query word. */
export function highlightWhole(text: string, terms: Set<string>): string | undefined {
  const found = find(text, terms);
  return found.length ? render(text, 0, text.length, found) : undefined;
}

import porterStem = require('@stdlib/nlp-porter-stemmer');
import { markSpans, unescapedLines } from './snippet';

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
/**
 * A sentence: up to `.`, `!` or `?` and the spaces after them, or up to a blank line. Not before a
 * closing bracket: the `...` of a syntax (`action [, ... ]`) ends no sentence.
 */
const SENTENCE = /[^]*?(?:[.!?]+(?:\s+(?![\s\])}])|$)|\n\s*\n|$)/g;

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

/** `'` or `’`. */
function isApostrophe(code: number): boolean {
  return code === 39 || code === 0x2019;
}

/** A word in lower case without its possessive 's ("what's" → "what"). */
function bareWord(word: string): string {
  const lower = word.toLowerCase();
  // By character codes: a pattern per word cost a sixth of the highlighting.
  return lower.endsWith('s') && isApostrophe(lower.charCodeAt(lower.length - 2)) ? lower.slice(0, -2) : lower;
}

/** The index term of a word, or undefined for a stop word. */
function termOf(word: string): string | undefined {
  const lower = bareWord(word);
  if (STOP_WORDS.has(lower)) return undefined;
  let stem = stems.get(lower);
  if (stem === undefined) {
    if (stems.size >= MAX_STEMS) stems.clear();
    stem = porterStem(lower);
    stems.set(lower, stem);
  }
  return stem;
}

/**
 * The words a question is phrased in, not what it asks about: interrogatives, auxiliaries and
 * modals, pronouns (beyond Lucene's stop words, which the analyzer drops). BM25 weighs a word by
 * how rare it is, and in a collection of reference text "what", "do" and "I" are not rare enough:
 * for "what does still reachable mean", groff's mom manual ("the pipe character (|), which means
 * or") outranked Valgrind's Memcheck manual and FAQ, and among a document's chunks tar's
 * "--no-auto-compress  Do not use archive suffix" beat "-t, --list  List the contents of an
 * archive" for "how do I list the contents of an archive". Not a general stop list (the `stopword`
 * package's, NLTK's): those hold "before", "after", "more", "make" and "up", words that are the
 * answer in reference text ("print lines before the match").
 */
const QUESTION_WORDS =
  'how what when where which who whom whose why do does did done doing can could should would may might must shall am been being have has had having i me my mine myself we us our ours you your yours he him his she her hers its them theirs';

/**
 * `QUESTION_WORDS` as written, each inflection listed: compared by their stems, "uses", "used"
 * and "using" (stem "us") went as the pronoun "us", and "his" took "hi" with it.
 */
const QUESTION_WORD_SET = new Set(QUESTION_WORDS.split(' '));

/**
 * Phrases a question is asked in whose words alone can be its subject: "find out what type of
 * file this is" asks about a file's type, not about "out", which as the rarest word among file(1)'s
 * chunks chose its TODO section ("printed out") to show over "file — determine file type"; yet
 * "find files modified in the last day" is about find, and "log out" about logging out. A lone
 * "so" joins a clause ("ignore files so they are not tracked": git-check-ignore's "so that files
 * can be streamed" was shown for it); a shared object's ".so" stays.
 */
const QUESTION_PHRASES =
  /\b(?:(?:find|figure) out|is there (?:a|any) way to|is it possible to|tell me)\b(?![-\p{L}\p{N}])|(?<![.\p{L}\p{N}_])so(?![-.\p{L}\p{N}_])/giu;

/**
 * What `query` asks about: the query without `QUESTION_PHRASES`, `QUESTION_WORDS` and stop words
 * (the rest as it was written), or the query itself when it has nothing else. Words search (BM25,
 * the shown chunk, the marked words) reads this; meaning reads the whole question. Stop words go
 * too because the exact-form fields (`body.std`, the standard analyzer) keep them: "how do I xqzvy
 * the flurbo" matched every document by "the".
 */
export function subjectOf(query: string): string {
  let rest = false;
  const subject = query.replace(QUESTION_PHRASES, ' ').replace(WORD, (word) => {
    if (termOf(word) === undefined || QUESTION_WORD_SET.has(bareWord(word))) return '';
    rest = true;
    return word;
  });
  return rest ? subject.replace(/\s+/g, ' ').trim() : query;
}

/** A long query's first pairs only: each is a phrase query over the whole index. */
const MAX_PAIRS = 8;

/** Each two neighbouring words of `text`, at most `MAX_PAIRS` (`lexicalQuery`'s phrases). */
export function wordPairs(text: string): string[] {
  const words = text.match(WORD) ?? [];
  const pairs: string[] = [];
  for (let i = 0; i + 1 < words.length && pairs.length < MAX_PAIRS; i++)
    pairs.push(`${words[i]} ${words[i + 1]}`);
  return pairs;
}

/** How many of `passages` (each the distinct query terms one holds) hold each term. */
export function holdingOf(passages: Iterable<ReadonlySet<string>>): Map<string, number> {
  const holding = new Map<string, number>();
  for (const held of passages) for (const term of held) holding.set(term, (holding.get(term) ?? 0) + 1);
  return holding;
}

/**
 * A passage's evidence for the query: the sum over the distinct query terms it holds of their
 * rarity among the passages weighed (ln(1 + passages / passages holding it, `holdingOf`), IDF-like).
 */
export function evidenceOf(
  held: Iterable<string>,
  passages: number,
  holding: ReadonlyMap<string, number>,
): number {
  let sum = 0;
  for (const term of held) sum += Math.log(1 + passages / holding.get(term)!);
  return sum;
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
 * pattern for every query: compiling a Unicode pattern costs milliseconds. (A scan of character
 * codes instead of `WORD.exec`, and a pattern per query's initials that skips other words, each
 * cost as much per chunk as this.)
 */
function find(text: string, terms: Set<string>): Found[] {
  const initials = new Set([...terms].map((term) => term[0]));
  // An ASCII first letter is looked up by its code, in either case: no lower-casing per word.
  const asciiInitials = new Uint8Array(128);
  for (const initial of initials) {
    const code = initial.charCodeAt(0);
    if (code < 128) asciiInitials[code] = asciiInitials[initial.toUpperCase().charCodeAt(0)] = 1;
  }
  const found: Found[] = [];
  WORD.lastIndex = 0;
  for (let match = WORD.exec(text); match; match = WORD.exec(text)) {
    const first = text.charCodeAt(match.index);
    if (first < 128 ? !asciiInitials[first] : !initials.has(match[0][0].toLowerCase())) continue;
    const term = termOf(match[0]);
    if (term && terms.has(term)) found.push({ start: match.index, end: match.index + match[0].length, term });
  }
  return found;
}

/** `text[start, end)` HTML-escaped, whitespace collapsed, with `<em>` around the words found. */
function render(text: string, start: number, end: number, found: readonly Found[]): string {
  const spans = found.map((word) => [word.start, word.end] as const);
  return unescapedLines(markSpans(text, spans, start, end))
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Where an entry of reference text starts: an option (`-S`, `--size`), a list item (`* `, `- `,
 * `1. `). Man pages, `--help` output and API lists rarely end their lines with a period, so their
 * sentences would run over many entries; each entry is a passage of its own instead.
 */
const ENTRY_START = /^[ \t]*(?:--?[\p{L}\p{N}]|[*+•-][ \t]|\d{1,3}[.)][ \t])/u;

/** Blocks as [start, end): cut at blank lines and before every line that starts an entry. */
function blocks(text: string): [number, number][] {
  const result: [number, number][] = [];
  let from = 0;
  let at = 0;
  for (const line of text.split('\n')) {
    const blank = line.trim() === '';
    if ((blank || ENTRY_START.test(line)) && at > from) {
      result.push([from, at]);
      from = at;
    }
    at += line.length + 1;
    if (blank) from = at;
  }
  if (text.length > from) result.push([from, text.length]);
  return result;
}

/**
 * Passages as [start, end) offsets: the sentences of each block (an entry of reference text, a
 * paragraph of prose), each cut when it is longer than `size`: at its last line end within `size`,
 * or else at the first space past it.
 */
function passages(text: string, size: number): [number, number][] {
  const result: [number, number][] = [];
  for (const [blockStart, blockEnd] of blocks(text)) {
    const block = text.slice(blockStart, blockEnd);
    for (const match of block.matchAll(SENTENCE)) {
      if (match[0].trim().length === 0) continue;
      let from = blockStart + match.index;
      const end = blockStart + match.index + match[0].length;
      while (end - from > size) {
        // Lines without a sentence end (a synopsis, a table, a list of names) are cut at a line
        // end, so that a passage starts and ends where a line does: cut at a space, a passage of
        // PostgreSQL's synopsis of ALTER TABLE ended "…column_name TO new_column_name ALTER".
        const lineEnd = text.lastIndexOf('\n', from + size);
        const cut = lineEnd > from + size / 4 ? lineEnd : text.indexOf(' ', from + size);
        if (cut < 0 || cut >= end) break;
        result.push([from, cut]);
        from = cut + 1;
      }
      result.push([from, end]);
    }
  }
  return result;
}

/**
 * A passage that is only a heading: one short line with no sentence end, not an entry. Shown
 * only when no body passage holds a query word (the heading's words are the section's topic,
 * not the answer).
 */
function isHeading(passage: string): boolean {
  const line = passage.trim();
  if (line.includes('\n') || ENTRY_START.test(line) || /[.!?:;,]$/.test(line)) return false;
  const words = line.split(/\s+/).length;
  return words <= 8 && /^[\p{Lu}\p{N}]/u.test(line);
}

/**
 * The words of `found` that lie wholly inside each passage. Both lists are in text order and the
 * passages do not overlap, so one pass over each does (a filter per passage was quadratic).
 */
function wordsInside(cut: [number, number][], found: readonly Found[]): Found[][] {
  let next = 0;
  return cut.map(([start, end]) => {
    while (next < found.length && found[next].start < start) next++;
    const words: Found[] = [];
    for (; next < found.length && found[next].start < end; next++)
      if (found[next].end <= end) words.push(found[next]);
    return words;
  });
}

/**
 * A text with a query's words found in it and cut into passages: the work a text costs (its
 * words tokenized and stemmed, its sentences and entries cut), done once per text and query. A
 * page's candidate chunks are weighed by it (`shown-chunk.ts`) and the chosen one's fragments are
 * rendered from it, instead of highlighting each chunk twice.
 */
export interface LocatedWords {
  readonly text: string;
  /** Every query word of the text, in order. */
  readonly found: readonly Found[];
  /** Passages as [start, end) offsets (none when no query word occurs: they are not cut then). */
  readonly passages: readonly [number, number][];
  /** The query words wholly inside each passage. */
  readonly inside: readonly Found[][];
}

/** `text`'s query words and its passages of about `fragmentSize` characters (`LocatedWords`). */
export function locateWords(
  text: string,
  terms: Set<string>,
  fragmentSize = DEFAULT_FRAGMENTS.fragmentSize,
): LocatedWords {
  const found = terms.size === 0 ? [] : find(text, terms);
  if (found.length === 0) return { text, found, passages: [], inside: [] };
  const cut = passages(text, fragmentSize);
  return { text, found, passages: cut, inside: wordsInside(cut, found) };
}

/** The distinct query terms of each passage that holds any, in text order. */
export function termsOfPassages(located: LocatedWords): Set<string>[] {
  return located.inside
    .filter((words) => words.length > 0)
    .map((words) => new Set(words.map((word) => word.term)));
}

/** The chosen fragments of a text: the best first for a snippet, and all in the order they occur. */
export interface Fragments {
  /** The passage with the most query evidence, marked. */
  best?: string;
  /** The best-scoring passages in the order they occur in the text, marked. */
  inOrder: string[];
}

/**
 * The best passages of `text` for `terms`, by their evidence (`evidenceOf`, rarity among the
 * text's passages): a line holding "sort", "size", "largest" and "first" beats one holding "size"
 * alone, and a word every line repeats counts little. Ties go to more occurrences, then to the
 * first. A bare heading comes after every body passage that holds a query word. Only the chosen
 * passages are rendered.
 */
export function highlightPassages(
  text: string,
  terms: Set<string>,
  options: FragmentOptions = DEFAULT_FRAGMENTS,
): Fragments {
  return fragmentsOf(locateWords(text, terms, options.fragmentSize), options.fragments);
}

/** `highlightPassages` of a text already located: its `fragments` best passages, rendered. */
export function fragmentsOf(located: LocatedWords, fragments: number): Fragments {
  const { text, found, passages: cut, inside } = located;
  if (found.length === 0) return { inOrder: [] };
  const distinct = inside.map((words) => new Set(words.map((w) => w.term)));
  const holding = holdingOf(distinct);
  const ranked = [];
  for (let position = 0; position < cut.length; position++) {
    const words = inside[position];
    if (words.length === 0) continue;
    const [start, end] = cut[position];
    ranked.push({
      start,
      end,
      position,
      hits: words.length,
      evidence: evidenceOf(distinct[position], cut.length, holding),
      heading: isHeading(text.slice(start, end)),
    });
  }
  ranked.sort(
    (a, b) =>
      Number(a.heading) - Number(b.heading) ||
      b.evidence - a.evidence ||
      b.hits - a.hits ||
      a.position - b.position,
  );
  const chosen = ranked.slice(0, fragments);
  // A passage's own words are all it marks: no word straddles two passages (they are cut at spaces,
  // line ends and sentence ends, none of which a word holds).
  const rendered = new Map(chosen.map((p) => [p.position, render(text, p.start, p.end, inside[p.position])]));
  return {
    best: rendered.get(chosen[0].position),
    inOrder: [...rendered.keys()].sort((a, b) => a - b).map((position) => rendered.get(position)!),
  };
}

/** The best fragments of `text` for `terms` in the order they occur; none when no query word occurs. */
export function highlightFragments(
  text: string,
  terms: Set<string>,
  options: FragmentOptions = DEFAULT_FRAGMENTS,
): string[] {
  return highlightPassages(text, terms, options).inOrder;
}

/** The whole of a short text (a title) marked, or undefined when none of its words is a query word. */
export function highlightWhole(text: string, terms: Set<string>): string | undefined {
  const found = find(text, terms);
  return found.length ? render(text, 0, text.length, found) : undefined;
}

/**
 * One search's memo of `locateWords` for its query: a text is read once however often it is asked
 * for (a hybrid page weighs up to four candidate chunks of a document, then renders the chosen
 * one's fragments). It lives as long as the search, so it holds a page's texts at most.
 */
export class WordLocator {
  private readonly located = new Map<string, LocatedWords>();

  constructor(readonly terms: Set<string>) {}

  readonly locate = (text: string): LocatedWords => {
    let located = this.located.get(text);
    if (!located) {
      located = locateWords(text, this.terms);
      this.located.set(text, located);
    }
    return located;
  };
}

/**
 * Vocabulary-mismatch corpus from WordNet ("semantic"): each document is one noun synset's gloss
 * (definition and examples) with every word of the synset's names taken out, and the query is
 * one of those names ("fox hunting" for "mounted hunters follow hounds in pursuit of a ..."). The
 * query and its document share no word, not even a stem, so keyword search has nothing to match
 * and only a model of meaning can connect them: a reverse-dictionary task.
 *
 * Source: the WordNet 3.0 database files of the Debian package wordnet-base. Synsets are taken
 * most familiar first (sense counts of the tagged SemCor corpus, cntlist.rev), because the
 * long tail of WordNet (genus names, obscure plants) tests trivia rather than paraphrase.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareStrings, stableHash, stem, STOPWORDS, tokenize, wordCount } from './text';
import {
  DEFAULT_DOCUMENTS,
  DEFAULT_QUERIES,
  type Corpus,
  type CorpusDocument,
  type CorpusOptions,
} from './types';

export interface WordnetOptions extends CorpusOptions {
  /** Directory with data.noun, index.noun and cntlist.rev; default /usr/share/wordnet. */
  directory?: string;
}

const DEFAULT_DIRECTORY = '/usr/share/wordnet';
/** What is left of a gloss must still describe something, not be two stray words. */
const MIN_BODY_WORDS = 8;
const MAX_QUERY_WORDS = 3;

/** Noun lexicographer files by number (WordNet's lexnames file, which wordnet-base does not ship). */
const NOUN_LEXNAMES: Record<number, string> = {
  3: 'noun.Tops',
  4: 'noun.act',
  5: 'noun.animal',
  6: 'noun.artifact',
  7: 'noun.attribute',
  8: 'noun.body',
  9: 'noun.cognition',
  10: 'noun.communication',
  11: 'noun.event',
  12: 'noun.feeling',
  13: 'noun.food',
  14: 'noun.group',
  15: 'noun.location',
  16: 'noun.motive',
  17: 'noun.object',
  18: 'noun.person',
  19: 'noun.phenomenon',
  20: 'noun.plant',
  21: 'noun.possession',
  22: 'noun.process',
  23: 'noun.quantity',
  24: 'noun.relation',
  25: 'noun.shape',
  26: 'noun.state',
  27: 'noun.substance',
  28: 'noun.time',
};

interface Lemma {
  text: string;
  /** Noun synsets this lemma names: 1 means the lemma identifies the synset on its own. */
  polysemy: number;
  /** Times this sense was tagged in SemCor. */
  tagCount: number;
}

interface Synset {
  offset: string;
  lexname: string;
  lemmas: Lemma[];
  gloss: string;
  familiarity: number;
}

function readDatabaseFile(directory: string, name: string): string {
  try {
    return readFileSync(join(directory, name), 'utf8');
  } catch {
    throw new Error(`${join(directory, name)} not found: install the Debian package wordnet-base`);
  }
}

/** Database lines; the license preamble of each file is indented. */
function records(text: string): string[] {
  return text.split('\n').filter((line) => line && line[0] !== ' ');
}

function readPolysemy(directory: string): Map<string, number> {
  const polysemy = new Map<string, number>();
  for (const line of records(readDatabaseFile(directory, 'index.noun'))) {
    const [lemma, , synsetCount] = line.split(' ');
    polysemy.set(lemma, Number(synsetCount));
  }
  return polysemy;
}

function readTagCounts(directory: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of records(readDatabaseFile(directory, 'cntlist.rev'))) {
    const [senseKey, , count] = line.split(' ');
    counts.set(senseKey, Number(count));
  }
  return counts;
}

function readSynsets(directory: string): Synset[] {
  const polysemy = readPolysemy(directory);
  const tagCounts = readTagCounts(directory);
  const synsets: Synset[] = [];
  for (const line of records(readDatabaseFile(directory, 'data.noun'))) {
    const bar = line.indexOf(' | ');
    if (bar < 0) continue;
    const fields = line.slice(0, bar).split(' ');
    const [offset, lexFile] = fields;
    const wordCountHex = fields[3];
    const lemmas: Lemma[] = [];
    for (let i = 0; i < parseInt(wordCountHex, 16); i++) {
      const word = fields[4 + 2 * i];
      const lexId = parseInt(fields[5 + 2 * i], 16);
      const key = word.toLowerCase();
      // A sense key is lemma%1:<lexicographer file>:<lex id>:: for nouns.
      const senseKey = `${key}%1:${lexFile}:${String(lexId).padStart(2, '0')}::`;
      lemmas.push({
        text: word.replace(/_/g, ' '),
        polysemy: polysemy.get(key) ?? 1,
        tagCount: tagCounts.get(senseKey) ?? 0,
      });
    }
    synsets.push({
      offset,
      lexname: NOUN_LEXNAMES[Number(lexFile)] ?? 'noun',
      lemmas,
      gloss: line.slice(bar + 3).trim(),
      familiarity: lemmas.reduce((sum, l) => sum + l.tagCount, 0),
    });
  }
  return synsets;
}

/**
 * Lower-case words only (no proper names, which test knowledge rather than paraphrase), no stop
 * words (removing "of" from a gloss would mangle it), and short enough to be a search.
 */
function isQueryable(lemma: Lemma): boolean {
  if (!/^[a-z]+(?:[ -][a-z]+)*$/.test(lemma.text)) return false;
  const tokens = tokenize(lemma.text);
  return tokens.length <= MAX_QUERY_WORDS && !tokens.some((t) => STOPWORDS.has(t));
}

/**
 * The name people use most (SemCor tags), then the less ambiguous, then the more descriptive
 * multi-word one. Names that another document of the corpus also carries are left out first:
 * only a name that belongs to one document has exactly one right answer.
 */
function preferredLemma(lemmas: Lemma[], namesInCorpus: Map<string, number>): Lemma | undefined {
  return lemmas
    .filter((l) => isQueryable(l) && namesInCorpus.get(l.text) === 1)
    .sort(
      (a, b) =>
        b.tagCount - a.tagCount ||
        a.polysemy - b.polysemy ||
        wordCount(b.text) - wordCount(a.text) ||
        compareStrings(a.text, b.text),
    )[0];
}

/**
 * Same word as far as search goes: equal, equal Porter stems, or one stem a short extension of
 * the other ("hunt"/"hunter", which Porter keeps apart but a reader and a fuzzier analyzer do not).
 */
function related(a: string, b: string): boolean {
  if (a === b) return true;
  const sa = stem(a);
  const sb = stem(b);
  if (sa === sb) return true;
  const [shorter, longer] = sa.length <= sb.length ? [sa, sb] : [sb, sa];
  return shorter.length >= 3 && longer.startsWith(shorter) && longer.length - shorter.length <= 3;
}

/** The gloss without any word related to `banned`, its punctuation kept where it still reads. */
function removeWords(gloss: string, banned: string[]): string {
  const out: string[] = [];
  let openingPunctuation = '';
  for (const word of gloss.split(/\s+/).filter(Boolean)) {
    // A possessive goes with its word: "the nation's capital" loses "nation's", not just "nation".
    const kept = word.replace(/([\p{L}\p{N}]+)(?:'s\b)?/gu, (whole, token: string) =>
      banned.some((b) => related(b, token.toLowerCase())) ? '' : whole,
    );
    if (/[\p{L}\p{N}]/u.test(kept)) {
      // "fox-like" without "fox" is "like", not "-like".
      const tidy = kept.replace(/^[-'/]+/, '').replace(/[-'/]+(?=[;:,.!?")]*$)/, '');
      out.push(openingPunctuation + tidy);
      openingPunctuation = '';
      continue;
    }
    const punctuation = kept.replace(/[^;:,.!?"]/g, '');
    if (!punctuation) continue;
    if (word.startsWith('"') && punctuation === '"') openingPunctuation += '"';
    else if (out.length) out[out.length - 1] += punctuation;
  }
  return out
    .join(' ')
    .replace(/([;:,.!?])[;:,.!?]+/g, '$1')
    .replace(/^[;:,.!?\s]+/, '')
    .replace(/""/g, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

export async function buildWordnet(options: WordnetOptions = {}): Promise<Corpus> {
  const wantedDocuments = options.documents ?? DEFAULT_DOCUMENTS;
  const wantedQueries = Math.min(options.queries ?? DEFAULT_QUERIES, wantedDocuments);
  const synsets = readSynsets(options.directory ?? DEFAULT_DIRECTORY);
  synsets.sort((a, b) => b.familiarity - a.familiarity || compareStrings(a.offset, b.offset));

  const selected: { synset: Synset; document: CorpusDocument }[] = [];
  for (const synset of synsets) {
    if (selected.length >= wantedDocuments) break;
    if (!synset.lemmas.some(isQueryable)) continue;
    // Every name of the synset goes, not just the one asked for, so the document never names its
    // subject and distractors look exactly like the documents that have a query.
    const banned = new Set(synset.lemmas.flatMap((l) => tokenize(l.text)).filter((t) => !STOPWORDS.has(t)));
    const body = removeWords(synset.gloss, [...banned]);
    if (wordCount(body) < MIN_BODY_WORDS) continue;
    selected.push({
      synset,
      document: {
        id: `${synset.offset}-n`,
        title: '',
        body,
        collection: 'wordnet-noun',
        tags: [synset.lexname],
      },
    });
  }

  const namesInCorpus = new Map<string, number>();
  for (const { synset } of selected) {
    for (const name of new Set(synset.lemmas.map((l) => l.text.toLowerCase())))
      namesInCorpus.set(name, (namesInCorpus.get(name) ?? 0) + 1);
  }
  // A hash order spreads the queries over familiar and rarer concepts.
  const queries = selected
    .flatMap(({ synset, document }) => {
      const lemma = preferredLemma(synset.lemmas, namesInCorpus);
      return lemma ? [{ document, lemma, hash: stableHash(document.id) }] : [];
    })
    .sort((a, b) => compareStrings(a.hash, b.hash))
    .slice(0, wantedQueries)
    .map(({ document, lemma }) => ({ id: `q:${document.id}`, text: lemma.text, relevant: [document.id] }))
    .sort((a, b) => compareStrings(a.id, b.id));
  return {
    documents: selected.map((s) => s.document).sort((a, b) => compareStrings(a.id, b.id)),
    queries,
  };
}

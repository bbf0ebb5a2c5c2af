/**
 * Known-item corpus from a software catalogue ("appstream"): each application, add-on, font or
 * input method that Debian's AppStream metadata describes is a document (titled by its name; the
 * body is its description as plain text, followed by its menu categories), and its one-line
 * summary ("Build and maintain your own city") is the query that should find it. Catalogue prose
 * written for users choosing software, the genre of everyday questions ("a game where you build
 * cities"); the benchmark keeps it held out and blind: nothing is tuned on it.
 *
 * Source: the DEP-11 metadata of Debian main, /var/lib/apt/lists/*_main_dep11_Components-<arch>.yml.gz.
 * That file is not the content of any package: `apt-get update` downloads it once the Debian
 * package `appstream` is installed (its /etc/apt/apt.conf.d/50appstream asks apt for DEP-11
 * files). With several such files (bookworm, bookworm-updates, ...) the first one in name order
 * that lists an id wins, which puts bookworm-security and bookworm-updates before bookworm.
 * Deterministic for a given set of apt lists.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { compareStrings, stableHash, wordCount } from './text';
import {
  DEFAULT_DOCUMENTS,
  DEFAULT_QUERIES,
  ID_PATTERN,
  type Corpus,
  type CorpusDocument,
  type CorpusOptions,
} from './types';

export interface AppstreamOptions extends CorpusOptions {
  /** DEP-11 files (gzipped YAML) to read; default every Debian main one in /var/lib/apt/lists. */
  files?: string[];
}

export const APT_LISTS = '/var/lib/apt/lists';
const MIN_SUMMARY_WORDS = 4;
/** Below this a description is a line or two that hardly says more than the summary. */
const MIN_BODY_WORDS = 25;
const MAX_BODY_WORDS = 1500;

/** Debian's name for the machine's architecture, as in the DEP-11 file names. */
function debianArchitecture(): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: 'i386', arm: 'armhf' };
  return names[process.arch] ?? process.arch;
}

export function findDep11Files(directory = APT_LISTS): string[] {
  const suffix = `_main_dep11_Components-${debianArchitecture()}.yml.gz`;
  let names: string[] = [];
  try {
    names = readdirSync(directory);
  } catch {
    // Reported below with the remedy.
  }
  const files = names
    .filter((name) => name.endsWith(suffix))
    .sort(compareStrings)
    .map((name) => join(directory, name));
  if (!files.length)
    throw new Error(
      `the appstream corpus needs Debian's AppStream metadata (${directory}/*${suffix}), which is missing: ` +
        'install the Debian package appstream (apt-get install appstream), then run apt-get update, which downloads it',
    );
  return files;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * AppStream's description markup (<p>, <ul>/<ol> of <li>, inline <em> and <code>) as plain text:
 * paragraphs apart by a blank line, list items one per line after "- ".
 */
export function descriptionText(markup: string): string {
  const text = markup
    .replace(/\s+/g, ' ')
    .replace(/<li>\s*/g, '\n- ')
    .replace(/<\/li>/g, '')
    .replace(/<\/?(?:p|ul|ol)>/g, '\n\n')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(text)
    .split('\n')
    .map((line) => line.replace(/ +/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** "AudioVideo" → "Audio Video", "2DGraphics" → "2D Graphics"; desktop-specific X-… ones dropped. */
export function categoryNames(categories: readonly string[]): string[] {
  const names = categories
    .filter((c) => !c.startsWith('X-'))
    .map((c) => c.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/([A-Z0-9])([A-Z][a-z])/g, '$1 $2'));
  return [...new Set(names)];
}

/** The text up to its `max`th word, its paragraphs and lines as they were. */
function firstWords(text: string, max: number): string {
  let count = 0;
  for (const match of text.matchAll(/\S+/g)) {
    if (++count === max) return text.slice(0, match.index + match[0].length);
  }
  return text;
}

interface Component {
  id: string;
  type: string;
  name: string;
  summary: string;
  description: string;
  categories: string[];
}

/** The untranslated (`C`) text of a localized field, if it has one. */
function untranslated(field: unknown): string | undefined {
  const text = (field as Record<string, unknown> | null | undefined)?.C;
  return typeof text === 'string' ? text.trim() : undefined;
}

function readComponents(file: string): Component[] {
  const documents = parseAllDocuments(gunzipSync(readFileSync(file)).toString('utf8'));
  if (!Array.isArray(documents)) return [];
  const components: Component[] = [];
  for (const document of documents) {
    if (document.errors.length)
      throw new Error(`${file}: unreadable DEP-11 YAML: ${document.errors[0].message}`);
    const entry = document.toJS() as Record<string, unknown> | null;
    const id = entry?.ID;
    const name = untranslated(entry?.Name);
    const summary = untranslated(entry?.Summary);
    const description = untranslated(entry?.Description);
    // The file's header document (File: DEP-11) and components without texts are not entries.
    if (typeof id !== 'string' || !name || !summary || !description) continue;
    // A few entries carry a desktop file's separator along ("AudioVideo;").
    const categories = Array.isArray(entry?.Categories)
      ? entry.Categories.filter((c): c is string => typeof c === 'string')
          .flatMap((c) => c.split(';'))
          .map((c) => c.trim())
          .filter(Boolean)
      : [];
    components.push({
      id,
      type: typeof entry?.Type === 'string' ? entry.Type : 'generic',
      name,
      summary: summary.replace(/\s+/g, ' '),
      description: descriptionText(description),
      categories,
    });
  }
  return components;
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

export function buildAppstream(options: AppstreamOptions = {}): Promise<Corpus> {
  const wantedDocuments = options.documents ?? DEFAULT_DOCUMENTS;
  const wantedQueries = Math.min(options.queries ?? DEFAULT_QUERIES, wantedDocuments);
  const seen = new Set<string>();
  const components: Component[] = [];
  for (const file of options.files ?? findDep11Files()) {
    for (const component of readComponents(file)) {
      // An id listed twice (a package and its variant, or a suite and its updates): the first wins.
      if (seen.has(component.id)) continue;
      seen.add(component.id);
      components.push(component);
    }
  }
  // A summary two components share ("Edit text files", "IRC client") has no single right answer,
  // and neither has a description two packagings of one program share.
  const summaryKey = (c: Component) => c.summary.toLowerCase().replace(/[.!\s]+$/, '');
  const summaryCounts = countBy(components, summaryKey);
  const descriptionCounts = countBy(components, (c) => c.description.toLowerCase());
  const usable = components.filter(
    (c) =>
      ID_PATTERN.test(c.id) &&
      summaryCounts.get(summaryKey(c)) === 1 &&
      descriptionCounts.get(c.description.toLowerCase()) === 1 &&
      wordCount(c.summary) >= MIN_SUMMARY_WORDS &&
      wordCount(c.description) >= MIN_BODY_WORDS,
  );
  // A hash order spreads the documents over the catalogue instead of taking the alphabet's start.
  const chosen = usable
    .map((component) => ({ component, hash: stableHash(component.id) }))
    .sort((a, b) => compareStrings(a.hash, b.hash))
    .slice(0, wantedDocuments)
    .map(({ component: c }) => {
      const categories = categoryNames(c.categories);
      const document: CorpusDocument = {
        id: c.id,
        title: c.name,
        body:
          firstWords(c.description, MAX_BODY_WORDS) +
          (categories.length ? `\n\nCategories: ${categories.join(', ')}.` : ''),
        collection: c.type,
        tags: [...new Set(c.categories.filter((t) => !t.startsWith('X-')))],
      };
      return { document, summary: c.summary };
    });
  const queried = chosen
    .map((entry) => ({ entry, hash: stableHash(`query:${entry.document.id}`) }))
    .sort((a, b) => compareStrings(a.hash, b.hash))
    .slice(0, wantedQueries)
    .map(({ entry }) => entry)
    .sort((a, b) => compareStrings(a.document.id, b.document.id));
  return Promise.resolve({
    documents: chosen.map(({ document }) => document).sort((a, b) => compareStrings(a.id, b.id)),
    queries: queried.map(({ document, summary }) => ({
      id: `q:${document.id}`,
      text: summary,
      relevant: [document.id],
    })),
  });
}

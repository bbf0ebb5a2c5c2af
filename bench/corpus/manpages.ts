/**
 * Known-item corpus from the machine's man pages ("lexical"): each page without its NAME section
 * is a document, and the one-line summary of that NAME section ("tar - an archiving utility" →
 * "an archiving utility") is the query that should find it. The summary's words usually recur in
 * the page, so keyword search has a fair chance; it is the corpus where lexical search should shine.
 *
 * Pages are rendered with mandoc (Debian package mandoc) so tables, mdoc pages and escapes come
 * out as a reader sees them. On this machine's pages it gives the same summaries and >99% the same
 * body words as groff, which man itself runs, at a quarter of the time (~6 ms a page instead of
 * ~25), which keeps a 2,000-page corpus to seconds.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { compareStrings, stableHash, wordCount } from './text';
import {
  DEFAULT_DOCUMENTS,
  DEFAULT_QUERIES,
  ID_PATTERN,
  type Corpus,
  type CorpusDocument,
  type CorpusOptions,
} from './types';

export interface ManpageOptions extends CorpusOptions {
  /** Directories holding man1/, man8/, …; default /usr/share/man (translations live elsewhere). */
  roots?: string[];
  /** Body words kept per page: long pages would dominate ingest time without adding queries. */
  maxBodyWords?: number;
  /** mandoc processes at once; default one per core. */
  concurrency?: number;
}

const DEFAULT_ROOTS = ['/usr/share/man'];
const DEFAULT_MAX_BODY_WORDS = 1500;
const MIN_SUMMARY_WORDS = 3;
/** Below this a page is a stub (an alias, "see foo(1)") that no summary describes meaningfully. */
const MIN_BODY_WORDS = 40;
const RENDER_CHUNK = 50;
const RENDER_TIMEOUT_MS = 120_000;
/** mandoc's widest: a paragraph renders as one line, not hard-wrapped lines the chunker would misread. */
const PAGE_WIDTH = 1000;

interface Source {
  path: string;
  root: string;
  /** The directory under the root, e.g. man1: the document's collection. */
  dir: string;
  name: string;
  /** From the file name, e.g. 1, 1ssl, 3perl: the document's tag. */
  section: string;
  /** Pages of one program or library (git-*, gcloud_*, pthread_*) share a family. */
  family: string;
}

interface Page {
  summary: string;
  body: string;
}

function listSources(roots: string[]): Source[] {
  const sources: Source[] = [];
  for (const root of [...roots].sort()) {
    let dirs: string[];
    try {
      dirs = readdirSync(root).filter((d) => /^man[0-9nl]$/.test(d));
    } catch {
      continue;
    }
    for (const dir of dirs.sort()) {
      const entries = readdirSync(join(root, dir), { withFileTypes: true });
      for (const entry of entries.sort((a, b) => compareStrings(a.name, b.name))) {
        // Symlinks are aliases of a page that is listed under its own name anyway.
        if (!entry.isFile()) continue;
        const match = /^(.+)\.([0-9nl][^.]*)(\.gz)?$/.exec(entry.name);
        if (!match) continue;
        const [, name, section] = match;
        const family = name.toLowerCase().split(/[-_.:+]/)[0] || name.toLowerCase();
        sources.push({ path: join(root, dir, entry.name), root, dir, name, section, family });
      }
    }
  }
  return sources;
}

/**
 * Round-robin over families in a hash order. Plain name order would fill the corpus with the
 * alphabet's first letters, and a machine with the Google Cloud CLI has ~16,000 gcloud pages out
 * of ~20,000; one page per family per round keeps the corpus as varied as the machine allows.
 */
function interleaveFamilies(sources: Source[]): Source[] {
  const families = new Map<string, Source[]>();
  for (const source of sources) {
    const members = families.get(source.family) ?? [];
    members.push(source);
    families.set(source.family, members);
  }
  const ranked: { source: Source; rank: number; familyHash: string }[] = [];
  for (const [family, members] of families) {
    const familyHash = stableHash(family);
    const ordered = members.map((source) => ({ source, hash: stableHash(source.path) }));
    ordered.sort((a, b) => compareStrings(a.hash, b.hash));
    ordered.forEach(({ source }, rank) => ranked.push({ source, rank, familyHash }));
  }
  ranked.sort((a, b) => a.rank - b.rank || compareStrings(a.familyHash, b.familyHash));
  return ranked.map((r) => r.source);
}

function readSource(path: string): Buffer {
  const raw = readFileSync(path);
  return path.endsWith('.gz') ? gunzipSync(raw) : raw;
}

/** A page that only says `.so man1/other.1` is another page under a second name. */
function isAlias(source: Source): boolean {
  let roff: string;
  try {
    roff = readSource(source.path).toString('utf8');
  } catch {
    // Unreadable (a broken or truncated archive): skipped like an alias, as there is nothing to index.
    return true;
  }
  const lines = roff.split('\n').filter((l) => l.trim() && !/^['.]\s*\\"/.test(l));
  return lines.length <= 2 && lines.some((l) => /^\.so\s/.test(l));
}

/**
 * One shell per chunk runs mandoc page after page and ends each page's output with a NUL (which
 * rendered text never contains): spawning from Node costs ~5 ms a process, more than mandoc takes
 * for most pages, while the shell's own fork is cheap.
 */
const RENDER_SCRIPT = `command -v mandoc >/dev/null || exit 127
while [ "$#" -gt 0 ]; do
  cd "$1" && mandoc -Tutf8 -Owidth=${PAGE_WIDTH} "$2" 2>/dev/null
  printf '\\0'
  shift 2
done`;

function renderChunk(sources: Source[]): Promise<(string | undefined)[]> {
  // cwd is each page's root because `.so man7/foo.7` includes are relative to it.
  const args = sources.flatMap((s) => [s.root, s.path]);
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', RENDER_SCRIPT, 'sh', ...args], {
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: RENDER_TIMEOUT_MS,
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 127) return reject(new Error('mandoc not found: install the Debian package mandoc'));
      const pages = Buffer.concat(chunks).toString('utf8').split('\0');
      // A chunk cut short (timeout) cannot be matched to its pages; it is skipped whole.
      if (pages.length !== sources.length + 1) return resolve(sources.map(() => undefined));
      resolve(pages.slice(0, -1).map((page) => page || undefined));
    });
  });
}

/** Renders in chunks, as many chunks at a time as there are cores; results in input order. */
async function renderAll(sources: Source[], concurrency: number): Promise<(string | undefined)[]> {
  const chunks: Source[][] = [];
  for (let i = 0; i < sources.length; i += RENDER_CHUNK) chunks.push(sources.slice(i, i + RENDER_CHUNK));
  const rendered = new Array<(string | undefined)[]>(chunks.length);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const i = next++;
      rendered[i] = await renderChunk(chunks[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  return rendered.flat();
}

const TYPOGRAPHY: [RegExp, string][] = [
  [/[\u2010-\u2013\u2212]/g, '-'],
  [/[\u2018\u2019]/g, "'"],
  [/[\u201c\u201d]/g, '"'],
  [/[\u00a0\u2002-\u200a]/g, ' '],
];

/** Splits rendered text into the NAME summary and the rest, or nothing for a page without one. */
function parseRenderedPage(rendered: string): Page | undefined {
  // mandoc marks bold and underline by overstriking (c, backspace, c), as a terminal pager expects.
  // eslint-disable-next-line no-control-regex -- the backspace is exactly what is removed
  let text = rendered.replace(/[^\n]\x08/g, '');
  for (const [pattern, replacement] of TYPOGRAPHY) text = text.replace(pattern, replacement);
  const lines = text.split('\n').map((l) => l.trimEnd());
  while (lines.length && !lines[0]) lines.shift();
  while (lines.length && !lines[lines.length - 1]) lines.pop();
  // The running header ("TAR(1)   GNU TAR Manual   TAR(1)") and footer repeat the title.
  if (lines.length && lines[0] !== 'NAME') lines.shift();
  if (lines.length && /\)$/.test(lines[lines.length - 1]) && /\S\s{3,}\S/.test(lines[lines.length - 1]))
    lines.pop();

  const isHeading = (line: string) => line.length > 0 && !/^\s/.test(line);
  const nameAt = lines.findIndex((l) => l.trim() === 'NAME');
  if (nameAt < 0) return undefined;
  let end = nameAt + 1;
  while (end < lines.length && !isHeading(lines[end])) end++;
  const nameLine = lines
    .slice(nameAt + 1, end)
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  const dash = /\s[-\u2014\u2015]{1,2}\s/.exec(nameLine);
  if (!dash) return undefined;
  const summary = nameLine
    .slice(dash.index + dash[0].length)
    .trim()
    .replace(/\.$/, '');

  const body = [...lines.slice(0, nameAt), ...lines.slice(end)]
    .map((l) => l.trim().replace(/\s{2,}/g, ' '))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { summary, body };
}

/** Keeps the first `max` words and the line breaks between them (the chunker splits on paragraphs). */
function truncateWords(text: string, max: number): string {
  const word = /\S+/g;
  let count = 0;
  let match: RegExpExecArray | null;
  while ((match = word.exec(text))) {
    if (++count === max) return text.slice(0, match.index + match[0].length);
  }
  return text;
}

function documentId(source: Source): string | undefined {
  // Names like g++ or [ carry characters Quarry's ids do not allow.
  const id = `${source.name}.${source.section}`
    .replace(/[^A-Za-z0-9._:/-]/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '');
  return ID_PATTERN.test(id) ? id : undefined;
}

function summaryKey(summary: string): string {
  return summary.toLowerCase().replace(/\s+/g, ' ');
}

export async function buildManpages(options: ManpageOptions = {}): Promise<Corpus> {
  const wantedDocuments = options.documents ?? DEFAULT_DOCUMENTS;
  const wantedQueries = Math.min(options.queries ?? DEFAULT_QUERIES, wantedDocuments);
  const maxBodyWords = options.maxBodyWords ?? DEFAULT_MAX_BODY_WORDS;
  const concurrency = Math.max(1, options.concurrency ?? availableParallelism());
  const roots = options.roots ?? DEFAULT_ROOTS;

  const candidates = interleaveFamilies(listSources(roots));

  const documents: (CorpusDocument & { summary: string })[] = [];
  const seenSummaries = new Set<string>();
  const seenIds = new Set<string>();
  let cursor = 0;
  while (documents.length < wantedDocuments && cursor < candidates.length) {
    // Render a little more than still needed, then accept in candidate order, so which pages are
    // skipped never depends on which process finished first.
    const batchSize = Math.max(32, Math.ceil((wantedDocuments - documents.length) * 1.2));
    const batch = candidates.slice(cursor, cursor + batchSize).filter((source) => !isAlias(source));
    cursor += batchSize;
    const rendered = await renderAll(batch, concurrency);
    for (let i = 0; i < batch.length && documents.length < wantedDocuments; i++) {
      const source = batch[i];
      const text = rendered[i];
      const page = text === undefined ? undefined : parseRenderedPage(text);
      const id = documentId(source);
      if (!page || !id || seenIds.has(id)) continue;
      // Pages sharing a summary are one page under several names (or in alpha/beta variants), and
      // help2man's placeholder "manual page for foo 1.2" names no purpose to search for.
      const key = summaryKey(page.summary);
      if (wordCount(page.summary) < MIN_SUMMARY_WORDS || seenSummaries.has(key)) continue;
      if (/^manual page for\b/i.test(page.summary)) continue;
      if (wordCount(page.body) < MIN_BODY_WORDS) continue;
      seenIds.add(id);
      seenSummaries.add(key);
      documents.push({
        id,
        title: `${source.name}(${source.section})`,
        body: truncateWords(page.body, maxBodyWords),
        collection: source.dir,
        tags: [source.section],
        summary: page.summary,
      });
    }
  }

  // A hash order spreads the queries over sections and families instead of favouring one.
  const queried = documents
    .map((document) => ({ document, hash: stableHash(document.id) }))
    .sort((a, b) => compareStrings(a.hash, b.hash))
    .slice(0, wantedQueries)
    .map(({ document }) => document)
    .sort((a, b) => compareStrings(a.id, b.id));
  return {
    documents: documents
      .map(({ summary: _summary, ...document }) => document)
      .sort((a, b) => compareStrings(a.id, b.id)),
    queries: queried.map((d) => ({ id: `q:${d.id}`, text: d.summary, relevant: [d.id] })),
  };
}

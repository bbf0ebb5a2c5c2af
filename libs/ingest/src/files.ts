import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { inlineMarkdownText, LIMITS, pageLabelRuns } from '@quarry/search';
import { EXTRACTION_LIMITS, extractFile } from './extract';
import { isWithin } from './sources/directory-confinement';
import { fileTooLarge } from './extract/limits';

/** A file found under a root: its absolute path and its path relative to the root, with `/`. */
export interface FoundFile {
  absolute: string;
  relative: string;
}

export interface WalkOptions {
  /** Globs (relative paths) a file must match; all files when empty. */
  include?: string[];
  /** Globs that leave files out. */
  exclude?: string[];
  /** Told of each entry left out for a reason worth reporting (a link leading outside the root). */
  onSkipped?: (relative: string, reason: string) => void;
}

/**
 * Every file under `root` (or `root` itself when it is a file), sorted. Hidden entries and
 * node_modules are passed over, as version-control and dependency folders are not documents.
 * A symbolic link is followed only when its real path stays under the root's real path: one
 * leading out of the tree (to /etc/shadow, say) is left out and reported through `onSkipped`.
 */
export async function walkFiles(root: string, options: WalkOptions = {}): Promise<FoundFile[]> {
  const stat = await fs.stat(root);
  if (stat.isFile()) return [{ absolute: path.resolve(root), relative: path.basename(root) }];
  const included = options.include?.length ? picomatch(options.include, { dot: true }) : () => true;
  const excluded = options.exclude?.length ? picomatch(options.exclude, { dot: true }) : () => false;
  const realRoot = await fs.realpath(root);
  // Real paths of the folders entered: a link back up the tree must not loop.
  const entered = new Set<string>();
  const found: FoundFile[] = [];
  const visit = async (directory: string, realDirectory: string) => {
    entered.add(realDirectory);
    const entries = await fs.readdir(directory, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const absolute = path.join(directory, entry.name);
      const relative = path.relative(root, absolute).split(path.sep).join('/');
      let real = path.join(realDirectory, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await fs.realpath(absolute).catch(() => undefined);
        if (!target) continue; // a dangling link: nothing to index
        if (!isWithin(target, realRoot)) {
          options.onSkipped?.(relative, 'a symbolic link leading outside the folder');
          continue;
        }
        const targetStat = await fs.stat(target);
        [real, isDirectory, isFile] = [target, targetStat.isDirectory(), targetStat.isFile()];
      }
      if (isDirectory) {
        if (!entered.has(real) && !excluded(relative) && !excluded(`${relative}/`))
          await visit(absolute, real);
      } else if (isFile && included(relative) && !excluded(relative)) {
        found.push({ absolute, relative });
      }
    }
  };
  await visit(path.resolve(root), realRoot);
  return found;
}

/** Every character outside letters, digits and `. _ -` becomes %XX (UTF-8), per path segment. */
export function encodeIdPart(part: string): string {
  return [...Buffer.from(part.normalize('NFC'), 'utf8')]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      return /[A-Za-z0-9._-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/**
 * The id of an item of a source or collection: `<owner>:<path>`, path segments percent-encoded so
 * any name is accepted and two owners never share an id. An id longer than the limit keeps its
 * beginning and a hash of the whole.
 */
export function documentId(owner: string, itemPath: string): string {
  const id = `${encodeIdPart(owner)}:${itemPath.split('/').map(encodeIdPart).join('/')}`;
  if (id.length <= LIMITS.idLength) return id;
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 16);
  return `${id.slice(0, LIMITS.idLength - 17).replace(/%[0-9A-F]?$/, '')}-${digest}`;
}

export interface FileDocumentOptions {
  collection?: string;
  /** What ids start with: the source name, or the collection for a plain ingest. */
  owner: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

export type FileOutcome =
  { kind: 'document'; document: FileDocument; format: string } | { kind: 'skipped'; reason: string };

export interface FileDocument {
  id: string;
  title: string;
  body: string;
  source: string;
  collection?: string;
  tags?: string[];
  metadata: Record<string, unknown>;
  /** Who may read it (a source's `access`); absent: everyone who sees its collection. */
  access?: { groups?: string[]; users?: string[] };
}

/**
 * A file's bytes, or why they are not read: over EXTRACTION_LIMITS.fileBytes (checked before
 * reading: a directory may hold a multi-gigabyte log or disk image), or unreadable.
 */
export async function readFileWithin(absolute: string): Promise<Buffer | string> {
  try {
    const { size } = await fs.stat(absolute);
    if (size > EXTRACTION_LIMITS.fileBytes) return fileTooLarge(size);
    return await fs.readFile(absolute);
  } catch (error) {
    return `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}

/** Reads and extracts one file into a document, or says why it cannot be one. */
export async function documentFromFile(file: FoundFile, options: FileDocumentOptions): Promise<FileOutcome> {
  const bytes = await readFileWithin(file.absolute);
  if (typeof bytes === 'string') return { kind: 'skipped', reason: bytes };
  return documentFromBytes(bytes, file, options);
}

/** Extracts a file's content (already read) into a document, or says why it cannot be one. */
export async function documentFromBytes(
  bytes: Buffer,
  file: FoundFile,
  options: FileDocumentOptions,
): Promise<FileOutcome> {
  const extracted = await extractFile(bytes, path.basename(file.absolute));
  if (extracted.kind === 'skipped') return extracted;
  if (extracted.text.length > LIMITS.bodyLength)
    return {
      kind: 'skipped',
      reason: `${extracted.text.length} characters of text, more than the ${LIMITS.bodyLength} a document may hold`,
    };
  // A Markdown title (a notebook's too) is its first heading, read as text (no badges or link markup).
  const found =
    (extracted.format === 'markdown' || extracted.format === 'notebook') && extracted.title
      ? inlineMarkdownText(extracted.title)
      : extracted.title;
  const title = (found || path.basename(file.relative)).slice(0, LIMITS.titleLength);
  // As runs (`page-labels.ts`): a few pairs for a book, where one label per page outgrows metadata.
  const labels = extracted.pageLabels && pageLabelRuns(extracted.pageLabels);
  return {
    kind: 'document',
    format: extracted.format,
    document: {
      id: documentId(options.owner, file.relative),
      title,
      body: extracted.text,
      source: file.absolute.slice(0, LIMITS.sourceLength),
      ...(options.collection ? { collection: options.collection } : {}),
      ...(options.tags?.length ? { tags: options.tags } : {}),
      metadata: {
        ...options.metadata,
        path: file.relative,
        format: extracted.format,
        ...(extracted.pages ? { pages: extracted.pages } : {}),
        ...(labels ? { page_labels: labels } : {}),
      },
    },
  };
}

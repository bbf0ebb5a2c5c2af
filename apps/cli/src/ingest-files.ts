import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  documentFromFile,
  EXTRACTION_LIMITS,
  gunzipWithin,
  isGzip,
  readFileWithin,
  walkFiles,
} from '@quarry/ingest';

/** Told how many files a path holds once it is walked, and as each is read. */
export interface FileProgress {
  found(files: number): void;
  read(): void;
}

/** One thing found under the paths: a document to index, or a file left out and why. */
export type FileItem =
  { origin: string; document: unknown; format?: string } | { origin: string; skipped: string };

/** How a file of documents is laid out, by its name (a `.gz` suffix aside), or undefined for any other file. */
function documentsLayout(name: string): 'lines' | 'json' | undefined {
  const extension = path.extname(name.toLowerCase().replace(/\.gz$/, ''));
  if (extension === '.jsonl' || extension === '.ndjson') return 'lines';
  if (extension === '.json') return 'json';
  return undefined;
}

/**
 * A file of documents as text, or why it is not read: over the size any file may be on disk, or,
 * compressed, over the size any `.gz` may inflate to (the extraction's limits).
 */
async function readDocumentsText(absolute: string): Promise<{ text: string } | { skipped: string }> {
  const bytes = await readFileWithin(absolute);
  if (typeof bytes === 'string') return { skipped: bytes };
  if (!isGzip(bytes)) return { text: bytes.toString('utf8') };
  const inflated = gunzipWithin(bytes, EXTRACTION_LIMITS.gzipBytes);
  return typeof inflated === 'string' ? { skipped: inflated } : { text: inflated.toString('utf8') };
}

/** A JSON value that no one meant as a document: not an object with a body. */
const holdsNoDocument = (value: unknown) =>
  !value || typeof value !== 'object' || Array.isArray(value) || !('body' in value);

/** The documents of a file of them (`documentsLayout`), each with its origin: a line, or an entry of the array. */
function* documentsOf(
  relative: string,
  text: string,
  layout: 'lines' | 'json',
  withCollection: (doc: unknown) => unknown,
): Generator<FileItem> {
  if (layout === 'lines') {
    for (const [n, line] of text.split('\n').entries()) {
      if (!line.trim()) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (error) {
        parsed = `not JSON: ${(error as Error).message}`;
      }
      yield { origin: `${relative}:${n + 1}`, document: withCollection(parsed) };
    }
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    yield { origin: relative, skipped: `not JSON: ${(error as Error).message}` };
    return;
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.every(holdsNoDocument)) {
    yield {
      origin: relative,
      skipped: 'JSON that holds no document (an object with a "body", or an array of them)',
    };
    return;
  }
  for (const [n, doc] of list.entries()) yield { origin: `${relative}[${n}]`, document: withCollection(doc) };
}

/**
 * Documents from files: JSONL (one document per line) and JSON (one document or an array) are
 * documents already, gzip-compressed or not; every other file is extracted by its content (every
 * format `extractContent` reads) into one document whose id is `<collection>:<relative path>`, or
 * reported as skipped with the reason. A line that is not JSON is passed on as-is so the message manager reports it with the
 * others. A JSON file none of whose values has a body is data, not documents (a package.json, an
 * MkDocs site's search index, Node.js's API pages as JSON): skipped with the reason, not failed
 * field by field.
 */
export async function* readFileItems(
  target: string,
  collection?: string,
  progress?: FileProgress,
): AsyncGenerator<FileItem> {
  const base = fs.statSync(target).isDirectory() ? target : path.dirname(target);
  const withCollection = (doc: unknown) =>
    collection && doc && typeof doc === 'object' && !Array.isArray(doc) && !('collection' in doc)
      ? { ...doc, collection }
      : doc;
  // The operator's own command, with the operator's rights: no QUARRY_SOURCE_ROOTS here, but a link
  // leading out of the folder is still left out, and said so.
  const outside: FileItem[] = [];
  const files = await walkFiles(target, {
    onSkipped: (relative, reason) => outside.push({ origin: relative, skipped: reason }),
  });
  progress?.found(outside.length + files.length);
  for (const item of outside) {
    yield item;
    progress?.read();
  }
  for (const file of files) {
    const relative = path.relative(base, file.absolute).split(path.sep).join('/') || file.relative;
    const layout = documentsLayout(file.absolute);
    if (layout) {
      const read = await readDocumentsText(file.absolute);
      yield* 'skipped' in read
        ? [{ origin: relative, skipped: read.skipped }]
        : documentsOf(relative, read.text, layout, withCollection);
    } else {
      const outcome = await documentFromFile(
        { absolute: file.absolute, relative },
        { owner: collection ?? 'default', collection },
      );
      yield outcome.kind === 'document'
        ? { origin: relative, document: outcome.document, format: outcome.format }
        : { origin: relative, skipped: outcome.reason };
    }
    progress?.read();
  }
}

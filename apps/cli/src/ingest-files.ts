import * as fs from 'node:fs';
import * as path from 'node:path';
import { documentFromFile, walkFiles } from '@quarry/ingest';

/** One thing found under the paths: a document to index, or a file left out and why. */
export type FileItem =
  { origin: string; document: unknown; format?: string } | { origin: string; skipped: string };

/**
 * Documents from files: JSONL (one document per line) and JSON (one document or an array) are
 * documents already; every other file is extracted by its content (PDF, HTML, DOCX, Markdown,
 * reStructuredText, man pages, text, gzip) into one document whose id is
 * `<collection>:<relative path>`, or reported as skipped with the reason. A line that is not JSON
 * is passed on as-is so the message manager reports it with the others.
 */
export async function* readFileItems(target: string, collection?: string): AsyncGenerator<FileItem> {
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
  yield* outside;
  for (const file of files) {
    const relative = path.relative(base, file.absolute).split(path.sep).join('/') || file.relative;
    const extension = path.extname(file.absolute).toLowerCase();
    if (extension === '.jsonl' || extension === '.ndjson') {
      const lines = fs.readFileSync(file.absolute, 'utf8').split('\n');
      for (const [n, line] of lines.entries()) {
        if (!line.trim()) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch (error) {
          parsed = `not JSON: ${(error as Error).message}`;
        }
        yield { origin: `${relative}:${n + 1}`, document: withCollection(parsed) };
      }
    } else if (extension === '.json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(file.absolute, 'utf8'));
      } catch (error) {
        yield { origin: relative, skipped: `not JSON: ${(error as Error).message}` };
        continue;
      }
      const list = Array.isArray(parsed) ? parsed : [parsed];
      for (const [n, doc] of list.entries())
        yield { origin: `${relative}[${n}]`, document: withCollection(doc) };
    } else {
      const outcome = await documentFromFile(
        { absolute: file.absolute, relative },
        { owner: collection ?? 'default', collection },
      );
      yield outcome.kind === 'document'
        ? { origin: relative, document: outcome.document, format: outcome.format }
        : { origin: relative, skipped: outcome.reason };
    }
  }
}

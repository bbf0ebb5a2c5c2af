import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FileDocument {
  /** Where it came from, for error messages (`notes.jsonl:12`, `docs/a.md`). */
  origin: string;
  document: unknown;
}

const TEXT_EXTENSIONS = new Set(['.md', '.markdown', '.txt']);

function* walk(target: string): Generator<string> {
  const stat = fs.statSync(target);
  if (stat.isFile()) {
    yield target;
    return;
  }
  for (const entry of fs
    .readdirSync(target, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    yield* walk(path.join(target, entry.name));
  }
}

function titleOf(text: string, file: string): string {
  const heading = /^#\s+(.+)$/m.exec(text)?.[1]?.trim();
  return heading || path.basename(file, path.extname(file));
}

/**
 * Documents from files: JSONL (one document per line), JSON (one document or an array), and
 * .md/.txt files (one document each, id = path relative to the argument, title = first heading).
 * A line that is not JSON is passed on as-is so the message manager reports it with the others.
 */
export function* readDocuments(target: string, collection?: string): Generator<FileDocument> {
  const base = fs.statSync(target).isDirectory() ? target : path.dirname(target);
  for (const file of walk(target)) {
    const extension = path.extname(file).toLowerCase();
    const relative = path.relative(base, file) || path.basename(file);
    const withCollection = (doc: unknown) =>
      collection && doc && typeof doc === 'object' && !Array.isArray(doc) && !('collection' in doc)
        ? { ...doc, collection }
        : doc;
    if (extension === '.jsonl' || extension === '.ndjson') {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
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
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
      const list = Array.isArray(parsed) ? parsed : [parsed];
      for (const [n, doc] of list.entries())
        yield { origin: `${relative}[${n}]`, document: withCollection(doc) };
    } else if (TEXT_EXTENSIONS.has(extension)) {
      const body = fs.readFileSync(file, 'utf8');
      const id = relative.split(path.sep).join('/');
      yield {
        origin: relative,
        document: {
          id,
          title: titleOf(body, file),
          body,
          source: path.resolve(file),
          ...(collection ? { collection } : {}),
        },
      };
    }
  }
}

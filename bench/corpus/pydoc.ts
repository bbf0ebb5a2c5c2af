/**
 * Known-item corpus from the Python standard library's docstrings ("pydoc"): each public
 * function, class or method with a documented body is a document (its docstring without the
 * summary line, titled by its qualified name), and the summary line ("Recursively copy a
 * directory tree.") is the query that should find it. API reference text, unlike man pages and
 * WordNet glosses; the benchmark keeps it held out (nothing is tuned on it).
 *
 * Source: the .py files of the Debian python3 installation (/usr/bin/python3) (its `ast` module reads
 * the docstrings, so nothing is imported or executed). Deterministic for a given Python version.
 */
import { spawnSync } from 'node:child_process';
import { compareStrings, stableHash, wordCount } from './text';
import { DEFAULT_DOCUMENTS, DEFAULT_QUERIES, ID_PATTERN, type Corpus, type CorpusOptions } from './types';

export interface PydocOptions extends CorpusOptions {
  /** The interpreter whose standard library is read; default /usr/bin/python3 (Debian's). */
  python?: string;
}

const MIN_SUMMARY_WORDS = 4;
const MIN_BODY_WORDS = 25;
const MAX_BODY_WORDS = 1500;

/** Prints one JSON line per documented public definition: [qualified name, summary, body, module]. */
const EXTRACT = String.raw`
import ast, json, os, sys, sysconfig
root = sysconfig.get_paths()["stdlib"]
skip = {"test", "tests", "idlelib", "lib2to3", "site-packages", "dist-packages", "turtledemo", "ensurepip", "tkinter"}
for directory, dirs, files in os.walk(root):
    dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith(("_", ".")))
    for name in sorted(files):
        if not name.endswith(".py") or name.startswith("_"):
            continue
        path = os.path.join(directory, name)
        module = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
        try:
            tree = ast.parse(open(path, encoding="utf-8").read())
        except Exception:
            continue
        def visit(node, prefix):
            for child in node.body:
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    if child.name.startswith("_"):
                        continue
                    qualified = prefix + "." + child.name
                    doc = ast.get_docstring(child)
                    if doc:
                        parts = doc.strip().split("\n\n", 1)
                        summary = " ".join(parts[0].split())
                        body = parts[1] if len(parts) > 1 else ""
                        print(json.dumps([qualified, summary, body, module.split(".")[0]]))
                    if isinstance(child, ast.ClassDef):
                        visit(child, qualified)
        visit(tree, module)
`;

export function buildPydoc(options: PydocOptions = {}): Promise<Corpus> {
  const wantedDocuments = options.documents ?? DEFAULT_DOCUMENTS;
  const wantedQueries = Math.min(options.queries ?? DEFAULT_QUERIES, wantedDocuments);
  const run = spawnSync(options.python ?? '/usr/bin/python3', ['-c', EXTRACT], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`python3 could not read the standard library: ${run.stderr}`);
  const entries = run.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as [string, string, string, string]);
  // A summary shared by two definitions ("Return self.") has no single right answer.
  const summaryCounts = new Map<string, number>();
  for (const [, summary] of entries) {
    const key = summary.toLowerCase();
    summaryCounts.set(key, (summaryCounts.get(key) ?? 0) + 1);
  }
  const usable = entries.filter(
    ([id, summary, body]) =>
      ID_PATTERN.test(id) &&
      summaryCounts.get(summary.toLowerCase()) === 1 &&
      wordCount(summary) >= MIN_SUMMARY_WORDS &&
      wordCount(body) >= MIN_BODY_WORDS,
  );
  // A hash order spreads the documents over modules instead of taking the alphabet's start.
  const chosen = usable
    .map((entry) => ({ entry, hash: stableHash(entry[0]) }))
    .sort((a, b) => compareStrings(a.hash, b.hash))
    .slice(0, wantedDocuments)
    .map(({ entry: [id, summary, body, module] }) => ({
      id,
      title: id,
      body: body.split(/\s+/).filter(Boolean).slice(0, MAX_BODY_WORDS).join(' '),
      collection: 'python',
      tags: [module],
      summary,
    }));
  const queried = chosen
    .map((document) => ({ document, hash: stableHash(`query:${document.id}`) }))
    .sort((a, b) => compareStrings(a.hash, b.hash))
    .slice(0, wantedQueries)
    .map(({ document }) => document)
    .sort((a, b) => compareStrings(a.id, b.id));
  return Promise.resolve({
    documents: chosen
      .map(({ summary: _summary, ...document }) => document)
      .sort((a, b) => compareStrings(a.id, b.id)),
    queries: queried.map((d) => ({ id: `q:${d.id}`, text: d.summary, relevant: [d.id] })),
  });
}

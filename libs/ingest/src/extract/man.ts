import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { skipped, type Extraction } from './extraction';
import { cellText, parseHtmlFragment, textWithHeadings, type DomDocument } from './html-text';
import { mib, type ExtractionLimits } from './limits';
import { extractRoff } from './roff';

type ManLimits = Pick<ExtractionLimits, 'timeMs' | 'htmlBytes'>;

/** mandoc (mandoc.bsd.lv), the renderer of the BSDs and of man-db's lexgrog: mdoc and man alike. */
export const MANDOC = 'mandoc';

type Rendering = { html: string } | { missing: true } | { refused: string };

/**
 * A man page rendered by mandoc to HTML (sections become `<h1 class="Sh">`, subsections `<h2>`),
 * read like any HTML fragment: the words of every macro, mdoc (`.Nm`, `.Fl`, `.Ar`, `.Cm`, `.Dq`)
 * and man (`\fB`, `\fI`, `\f(CW`) alike, reach the text and no macro name does. Without mandoc on
 * the machine the built-in roff reader, which knows a few macros only, reads it and says so in the
 * format.
 */
export async function extractMan(bytes: Buffer, limits: ManLimits, renderer = MANDOC): Promise<Extraction> {
  const rendering = await render(bytes, limits, renderer);
  if ('missing' in rendering) {
    const fallback = extractRoff(bytes);
    return fallback.kind === 'extracted'
      ? { ...fallback, format: 'man (built-in roff reader: mandoc is not installed)' }
      : fallback;
  }
  if ('refused' in rendering) return skipped(rendering.refused);
  const document = parseHtmlFragment(rendering.html);
  withTagLines(document);
  const headTitle = document.querySelector('td.head-ltitle')?.textContent?.trim();
  for (const furniture of Array.from(document.querySelectorAll('table.head, table.foot'))) furniture.remove();
  const text = document.body ? textWithHeadings(document.body) : '';
  if (!text) return skipped('no text in the man page');
  const page = headTitle ? /^(.+?)\((\w+)\)$/.exec(headTitle) : null;
  const title = page ? `${page[1].toLowerCase()}(${page[2]})` : headTitle?.toLowerCase();
  return { kind: 'extracted', format: 'man', title, text };
}

/** Longer paragraphs before an indented block are prose, not its tag. */
const TAG_CHARS = 100;

/**
 * A paragraph that tags the indented block after it (`<p class="Pp">-C &lt;path&gt;</p><div
 * class="Bd-indent">Run as if git was started in...`, mandoc's rendering of the `.PP`, tag,
 * `.RS 4` of every man page DocBook writes: git's, systemd's) is read as the block's first line,
 * as a `<dt>` is of its `<dd>`. Read as a paragraph, it was a passage apart from the text it names,
 * and a hit on that text was shown without the option it describes.
 */
function withTagLines(document: DomDocument): void {
  for (const tag of Array.from(document.querySelectorAll('p.Pp'))) {
    const next = tag.nextElementSibling;
    if (next?.nodeName !== 'DIV' || !(next.getAttribute('class') ?? '').split(' ').includes('Bd-indent'))
      continue;
    // A paragraph of prose before an indented example is no tag.
    if (cellText(tag).length > TAG_CHARS) continue;
    const line = document.createElement('div');
    line.append(...Array.from(tag.childNodes));
    tag.replaceWith(line);
  }
}

let emptyDirectory: string | undefined;

/**
 * Where mandoc runs: a directory of its own with nothing in it. mandoc reads the file a `.so` request
 * names relative to its working directory (absolute paths and `..` it refuses), so in the server's
 * directory a page could pull `package.json` or `.env` into the index.
 */
function mandocDirectory(): string {
  if (emptyDirectory) return emptyDirectory;
  // One per process, shared by its worker threads (which come and go), unless someone else made it
  // or put something in it: then one of this thread's own.
  const shared = path.join(tmpdir(), `quarry-mandoc-${process.pid}`);
  try {
    mkdirSync(shared, { recursive: true, mode: 0o700 });
    const owner = statSync(shared).uid;
    if (owner === process.getuid?.() && readdirSync(shared).length === 0) return (emptyDirectory = shared);
  } catch {
    // Fall through to a directory of this thread's own.
  }
  emptyDirectory = mkdtempSync(path.join(tmpdir(), 'quarry-mandoc-'));
  return emptyDirectory;
}

/**
 * Runs mandoc with the page on stdin, in an empty directory. mandoc is a child process, which a
 * terminated extraction worker would not take with it, so it carries its own time limit (a little
 * under the extraction's, so it ends first) and is killed as soon as its output passes the HTML
 * limit.
 */
function render(bytes: Buffer, limits: ManLimits, renderer: string): Promise<Rendering> {
  return new Promise((resolve) => {
    const child = spawn(renderer, ['-T', 'html', '-O', 'fragment'], {
      cwd: mandocDirectory(),
      stdio: ['pipe', 'pipe', 'ignore'],
      timeout: Math.max(1, Math.floor(limits.timeMs * 0.9)),
      killSignal: 'SIGKILL',
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let outcome: Rendering | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.htmlBytes) {
        outcome ??= {
          refused: `man page renders to more than the limit of ${mib(limits.htmlBytes)} of HTML`,
        };
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      // A process that never started emits no close.
      if (child.pid === undefined)
        resolve(error.code === 'ENOENT' ? { missing: true } : { refused: `mandoc failed: ${error.message}` });
    });
    // mandoc stops reading on some errors; its stdin closing early is no failure of ours.
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => {
      if (!outcome && signal)
        outcome = {
          refused: `rendering the man page took longer than the limit of ${limits.timeMs / 1000} s`,
        };
      // mandoc exits 2-4 for warnings, errors and unsupported requests yet renders what it can read.
      if (!outcome && code !== null && code > 4)
        outcome = { refused: `mandoc could not read the page (exit ${code})` };
      resolve(outcome ?? { html: Buffer.concat(chunks).toString('utf8') });
    });
    child.stdin.end(bytes);
  });
}

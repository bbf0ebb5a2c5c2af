import * as Asciidoctor from '@asciidoctor/core';
import { skipped, tidy, type Extraction } from './extraction';
import { htmlFragmentToText } from './html-text';
import { decodeText, looksLikeText } from './text';

/** An include directive: secure mode would leave each one as a link to the file it names. */
const INCLUDE = /^include::[^\n[]*\[[^\n\]]*\]\s*$/gm;

/**
 * Whether a `.txt` file is AsciiDoc (git's manual sources are): it opens, after comments and
 * attribute entries, with a document title, `= Title` or a title underlined with `=` to its width.
 */
export function looksLikeAsciidoc(text: string): boolean {
  const lines = text.split('\n', 200).filter((line) => !/^(\/\/|:[\w-]+:)/.test(line));
  const first = lines.findIndex((line) => line.trim() !== '');
  if (first < 0) return false;
  const title = lines[first].trimEnd();
  if (/^= \S/.test(title)) return true;
  const underline = (lines[first + 1] ?? '').trimEnd();
  return /^={3,}$/.test(underline) && Math.abs(underline.length - title.length) <= 1;
}

let quiet = false;

/**
 * AsciiDoc (`.adoc`, `.asciidoc`, and `.txt` that opens as AsciiDoc) through Asciidoctor.js, the
 * maintained AsciiDoc processor, in its secure mode: no file is read (include directives are
 * dropped, not followed), no URL fetched, no attribute reaches the file system. Its HTML is read
 * whole: sections as headings, lists and tables as text, the document title as the title.
 */
export async function extractAsciidoc(bytes: Buffer): Promise<Extraction> {
  if (!looksLikeText(bytes)) return skipped('binary content (not text)');
  if (!quiet) {
    // Its warnings (an unknown attribute, a section out of sequence) are not the reader's concern.
    Asciidoctor.LoggerManager.setLogger(Asciidoctor.NullLogger.create());
    quiet = true;
  }
  const source = decodeText(bytes).replace(/\r\n?/g, '\n').replace(INCLUDE, '');
  // A reader of a nested block warns on the console rather than the logger ("unterminated open
  // block" in git-svn.txt); this worker reads one file at a time, so its console is muted meanwhile.
  const warn = console.warn;
  console.warn = () => undefined;
  let document: Awaited<ReturnType<typeof Asciidoctor.load>>;
  let html: string;
  try {
    document = await Asciidoctor.load(source, { safe: 'secure', attributes: { 'allow-uri-read': null } });
    html = String(await document.convert());
  } finally {
    console.warn = warn;
  }
  // The document's own title; without a header, the title falls back to the first heading.
  const header = document.hasHeader() ? (document.getDocumentTitle({ sanitize: true }) as string) : undefined;
  const title = header?.trim() || undefined;
  // The whole rendering is content: no Readability, which drops a short paragraph that is mostly a
  // link ("The Eclipse Jetty Project provides a:").
  const body = htmlFragmentToText(html).replace(/\u200b/g, '');
  const text = tidy(`${title ? `# ${title}\n\n` : ''}${body}`);
  if (!body.trim()) return skipped('no text');
  return { kind: 'extracted', format: 'asciidoc', title: title ?? /^#{1,6}\s+(.+)$/m.exec(text)?.[1], text };
}

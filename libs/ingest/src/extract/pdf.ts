import { getDocumentProxy } from 'unpdf';
import { escapeMarkdownLines, skipped, tidy, type Extraction } from './extraction';
import type { ExtractionLimits } from './limits';

type PdfLimits = Pick<ExtractionLimits, 'pdfPages' | 'maxChars'>;
type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

interface TextItem {
  str?: string;
  hasEOL?: boolean;
  height?: number;
}

interface Line {
  text: string;
  /** Height of the line's largest glyphs, in PDF units. */
  size: number;
  /** Characters set at each size, for the body's size. */
  sizes: Map<number, number>;
}

interface Heading {
  title: string;
  level: number;
}

/** Outline entries read: an outline is a tree a file can make as large as it likes. */
const OUTLINE_ENTRIES = 5_000;
/** A line set this much larger than the body text is a heading, when the PDF has no outline. */
const HEADING_SCALE = 1.2;
/** Longer lines are text set large (a pull quote, a banner), not headings. */
const HEADING_CHARS = 150;
/** Metadata titles that producers write in place of one. */
const PLACEHOLDER_TITLE =
  /^(untitled|document\d*|microsoft (word|powerpoint) - .*|.*\.(docx?|pdf|odt|tex|dvi))$/i;

const normalised = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * A PDF: the text of every page, pages separated by form feeds, with the document's own structure
 * as `#` headings: the entries of its outline (bookmarks) on the pages they point to, or, without
 * an outline, the lines set clearly larger than the body text. A text line that merely begins with
 * `#` is text and is escaped. The title is the metadata's, else the first heading. Runs in the
 * extraction worker (PDF.js is an ES module that unpdf imports dynamically, which plain Node does).
 * The page count is checked before any page is read, pages are read one at a time (unpdf's
 * extractText reads them all at once), and reading stops as soon as the text outgrows a document.
 */
export async function extractPdf(bytes: Buffer, limits: PdfLimits): Promise<Extraction> {
  let pdf: PdfDocument;
  try {
    pdf = await getDocumentProxy(new Uint8Array(bytes));
  } catch (error) {
    const message = String((error as Error)?.message ?? error);
    return skipped(
      /password/i.test(message) ? 'encrypted PDF (needs a password)' : `unreadable PDF: ${message}`,
    );
  }
  try {
    if (pdf.numPages > limits.pdfPages)
      return skipped(`PDF has ${pdf.numPages} pages, more than the limit of ${limits.pdfPages}`);
    const pages: Line[][] = [];
    let characters = 0;
    for (let number = 1; number <= pdf.numPages; number++) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      page.cleanup();
      const lines = linesOf(content.items as TextItem[]);
      characters += lines.reduce((sum, line) => sum + line.text.length + 1, 0) + (number > 1 ? 2 : 0);
      if (characters > limits.maxChars)
        return skipped(
          `PDF has more than ${limits.maxChars} characters of text (by page ${number}), more than a document may hold`,
        );
      pages.push(lines);
    }
    if (!pages.some((lines) => lines.length))
      return skipped(`PDF of ${pdf.numPages} pages without a text layer (scanned images need OCR)`);
    const outline = await outlineByPage(pdf);
    const body = bodySize(pages);
    const pageLabels = await printedPageNumbers(pdf);
    const content = withoutRunningLines(pages, (index) => pageLabels?.[index] ?? String(index + 1));
    const { texts, firstHeading } = outline.size
      ? withOutlineHeadings(content, outline)
      : withLargeTextHeadings(content, body);
    const title = (await metadataTitle(pdf)) ?? titleLine(pages[0], body) ?? firstHeading;
    return {
      kind: 'extracted',
      format: 'pdf',
      title,
      text: texts.join('\n\f'),
      pages: pdf.numPages,
      ...(pageLabels ? { pageLabels } : {}),
    };
  } catch (error) {
    return skipped(`unreadable PDF: ${String((error as Error)?.message ?? error)}`);
  } finally {
    await pdf.loadingTask.destroy().catch(() => undefined);
  }
}

/** Lines this close to a page's top or bottom may be its running head or foot. */
const EDGE_LINES = 2;
/** Pages a line must head or foot (its numbers aside) to be page furniture rather than text. */
const RUNNING_PAGES = 3;

/** A line with its numbers as one mark: page 17's running head is page 18's. */
const runningKey = (text: string) =>
  text
    .replace(/\d+/g, '#')
    .replace(/\b[ivxlc]{1,6}\b/gi, '#')
    .replace(/\s+/g, ' ');

/** Whether a line starts or ends with `number` (the page's own printed number) as a word. */
const showsNumber = (text: string, number: string) =>
  text === number || text.startsWith(`${number} `) || text.endsWith(` ${number}`);

/**
 * Pages without their running heads and feet: a line among the first or last two of a page that
 * heads or foots at least three pages, numbers aside (`LS(1) User Commands LS(1)`, `Page 3 of
 * 12`), or two when it carries the page's own printed number (a chapter of two pages: `Chapter 2:
 * ASN.1 structure handling 3`). Set on every page by the typesetter, they are not the document's
 * text: they began chunks and snippets (a man page printed to PDF, every page of a specification)
 * and counted their words once a page. The title is read before they go.
 */
function withoutRunningLines(pages: Line[][], printed: (page: number) => string): Line[][] {
  const edge = (lines: Line[], i: number) => i < EDGE_LINES || i >= lines.length - EDGE_LINES;
  const pagesOf = new Map<string, number>();
  for (const lines of pages) {
    const keys = new Set(lines.filter((_, i) => edge(lines, i)).map((line) => runningKey(line.text)));
    for (const key of keys) pagesOf.set(key, (pagesOf.get(key) ?? 0) + 1);
  }
  return pages.map((lines, index) =>
    lines.filter((line, i) => {
      if (!edge(lines, i)) return true;
      const recurs = pagesOf.get(runningKey(line.text)) ?? 0;
      return recurs < (showsNumber(line.text, printed(index)) ? 2 : RUNNING_PAGES);
    }),
  );
}

/** A page's text items as lines (PDF.js marks the end of each), blank lines dropped. */
function linesOf(items: TextItem[]): Line[] {
  const lines: Line[] = [];
  let current: Line = { text: '', size: 0, sizes: new Map() };
  const end = () => {
    const text = current.text.replace(/\s+/g, ' ').trim();
    if (text) lines.push({ ...current, text });
    current = { text: '', size: 0, sizes: new Map() };
  };
  for (const item of items) {
    if (item.str == null) continue;
    current.text += item.str;
    const size = Math.round((item.height ?? 0) * 10) / 10;
    if (item.str.trim() && size > 0) {
      current.size = Math.max(current.size, size);
      current.sizes.set(size, (current.sizes.get(size) ?? 0) + item.str.length);
    }
    if (item.hasEOL) end();
  }
  end();
  return lines;
}

/** The numbers printed on the pages (the PDF's /PageLabels), one per page, when they are not the pages' own. */
async function printedPageNumbers(pdf: PdfDocument): Promise<string[] | undefined> {
  try {
    const labels = await pdf.getPageLabels();
    return labels?.length === pdf.numPages && labels.some((label, index) => label !== String(index + 1))
      ? labels
      : undefined;
  } catch {
    // Labels only name pages; a malformed label tree leaves the physical numbers.
    return undefined;
  }
}

/** The outline's entries by 0-based page index, in outline order, each with its depth as level. */
async function outlineByPage(pdf: PdfDocument): Promise<Map<number, Heading[]>> {
  const byPage = new Map<number, Heading[]>();
  let outline: Awaited<ReturnType<PdfDocument['getOutline']>> | null;
  try {
    outline = await pdf.getOutline();
  } catch {
    return byPage;
  }
  let read = 0;
  const visit = async (entries: typeof outline, level: number): Promise<void> => {
    for (const entry of entries ?? []) {
      if (++read > OUTLINE_ENTRIES) return;
      const title = entry.title?.replace(/\s+/g, ' ').trim();
      const page = await pageOf(pdf, entry.dest);
      if (title && page !== undefined) {
        const headings = byPage.get(page) ?? [];
        headings.push({ title, level: Math.min(level, 6) });
        byPage.set(page, headings);
      }
      await visit(entry.items, level + 1);
    }
  };
  await visit(outline, 1);
  return byPage;
}

async function pageOf(pdf: PdfDocument, dest: string | unknown[] | null): Promise<number | undefined> {
  try {
    const explicit = typeof dest === 'string' ? await pdf.getDestination(dest) : dest;
    const target = explicit?.[0] as Parameters<PdfDocument['getPageIndex']>[0] | number | undefined;
    if (target == null) return undefined;
    return typeof target === 'number' ? target : await pdf.getPageIndex(target);
  } catch {
    return undefined;
  }
}

/** Each outline entry becomes the heading line it names on its page, or opens the page. */
function withOutlineHeadings(pages: Line[][], outline: Map<number, Heading[]>) {
  let firstHeading: string | undefined;
  const texts = pages.map((lines, index) => {
    const marked = new Map<number, Heading>();
    const opening: Heading[] = [];
    for (const heading of outline.get(index) ?? []) {
      firstHeading ??= heading.title;
      const wanted = normalised(heading.title);
      const at = lines.findIndex((line, i) => !marked.has(i) && normalised(line.text) === wanted);
      if (at >= 0) marked.set(at, heading);
      else opening.push(heading);
    }
    const out = opening.map((h) => `${'#'.repeat(h.level)} ${h.title}\n`);
    lines.forEach((line, i) => {
      const heading = marked.get(i);
      out.push(
        heading ? `\n${'#'.repeat(heading.level)} ${heading.title}\n` : escapeMarkdownLines(line.text),
      );
    });
    return tidy(out.join('\n'));
  });
  return { texts, firstHeading };
}

/** The size most characters are set in: the body text's. */
function bodySize(pages: Line[][]): number {
  const characters = new Map<number, number>();
  for (const line of pages.flat())
    for (const [size, count] of line.sizes) characters.set(size, (characters.get(size) ?? 0) + count);
  return [...characters].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
}

const isLarge = (line: Line, body: number) =>
  body > 0 &&
  line.size >= body * HEADING_SCALE &&
  line.text.length <= HEADING_CHARS &&
  /\p{L}/u.test(line.text);

/** The first page's largest line, when it is set larger than the body: a title page's title. */
function titleLine(lines: Line[] | undefined, body: number): string | undefined {
  const largest = (lines ?? []).reduce<Line | undefined>(
    (top, line) => (!top || line.size > top.size ? line : top),
    undefined,
  );
  return largest && isLarge(largest, body) ? largest.text : undefined;
}

/**
 * Without an outline, lines set clearly larger than the body (the size most characters have) are
 * headings: the largest size is level 1, the next level 2, and so on; consecutive lines of the same
 * heading size are one heading that wrapped.
 */
function withLargeTextHeadings(pages: Line[][], body: number) {
  const isHeading = (line: Line) => isLarge(line, body);
  const headingSizes = [
    ...new Set(
      pages
        .flat()
        .filter(isHeading)
        .map((line) => line.size),
    ),
  ].sort((a, b) => b - a);
  let firstHeading: string | undefined;
  const texts = pages.map((lines) => {
    const out: string[] = [];
    let previous: { size: number; at: number } | undefined;
    for (const line of lines) {
      if (!isHeading(line)) {
        out.push(escapeMarkdownLines(line.text));
        previous = undefined;
        continue;
      }
      if (previous && previous.size === line.size) {
        out[previous.at] += ` ${line.text}`;
        continue;
      }
      const level = Math.min(headingSizes.indexOf(line.size) + 1, 6);
      out.push('', `${'#'.repeat(level)} ${line.text}`, '');
      previous = { size: line.size, at: out.length - 2 };
    }
    const text = tidy(out.join('\n'));
    firstHeading ??= /^#{1,6} (.+)$/m.exec(text)?.[1];
    return text;
  });
  return { texts, firstHeading };
}

async function metadataTitle(pdf: PdfDocument): Promise<string | undefined> {
  try {
    const info = (await pdf.getMetadata()).info as { Title?: unknown } | undefined;
    const title = typeof info?.Title === 'string' ? info.Title.replace(/\s+/g, ' ').trim() : '';
    return title && !PLACEHOLDER_TITLE.test(title) ? title : undefined;
  } catch {
    // A PDF without readable metadata still has its text.
    return undefined;
  }
}

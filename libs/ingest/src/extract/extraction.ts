/** What a file became: text ready to chunk, or the reason it was left out. */
export type Extraction = ExtractedText | SkippedFile;

export interface ExtractedText {
  kind: 'extracted';
  /** The format the content was read as (`pdf`, `html`, `markdown`, `man`, ...). */
  format: string;
  title?: string;
  /**
   * The text, with structure in two conventions the chunker follows: Markdown `#` headings for
   * sections and a form feed (`\f`) between pages, as pdftotext writes them.
   */
  text: string;
  /** Pages of a paged format (PDF). */
  pages?: number;
  /** The number printed on each page (a PDF's page labels), when they differ from the pages' own. */
  pageLabels?: string[];
}

export interface SkippedFile {
  kind: 'skipped';
  reason: string;
}

export const skipped = (reason: string): SkippedFile => ({ kind: 'skipped', reason });

/** Collapses runs of blank lines and trailing spaces that extractors leave behind. */
export function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * A line the chunker would read as a Markdown heading or code fence, or such a line already escaped
 * (a TeX manual's `\# is the parameter character`): each gets one backslash more, so that taking
 * one off gives the line back. Snippets show lines so (`unescapedLines`,
 * libs/search/src/snippet.ts): change the two together.
 */
const MARKUP_LINE = /^\\*(#{1,6}(?:[ \t]|$)|[ \t]*(?:```|~~~))/;

/**
 * Text that is not Markdown (a PDF's lines, a page's paragraphs, a man page's examples) with its
 * lines that begin like a Markdown heading or code fence escaped with a backslash, as Markdown
 * escapes them: a shell comment `# update-mime-database ...` in a PDF is text, not a section.
 */
export function escapeMarkdownLines(text: string): string {
  return text
    .split('\n')
    .map((line) => (MARKUP_LINE.test(line) ? `\\${line}` : line))
    .join('\n');
}

/**
 * A table's rows as lines of text, cells parted by ` | ` (Office tables and sheets): a row with no
 * text is left out and empty cells at a row's end are dropped, so a slide's blank table grid is not
 * lines of bars.
 */
export function tableLines(rows: readonly (readonly string[])[]): string {
  const lines = rows.map((cells) => {
    let end = cells.length;
    while (end > 0 && !cells[end - 1]) end--;
    return cells.slice(0, end).join(' | ');
  });
  return escapeMarkdownLines(lines.filter(Boolean).join('\n'));
}

/** A page of a slide deck or a workbook: a slide and its title, a sheet and its name. */
export interface HeadedPage {
  title?: string;
  blocks: string[];
}

/**
 * A slide deck or a workbook as text, as a PDF is read (a form feed between pages, so a hit says its
 * page), each page opening with its title as a heading ("Slide 3" for a slide without one);
 * skipped with `empty` when no page holds text, a title or more.
 */
export function pagedExtraction(
  format: string,
  title: string | undefined,
  pages: readonly HeadedPage[],
  empty: string,
): Extraction {
  if (!pages.some((page) => page.title || page.blocks.length)) return skipped(empty);
  const text = pages
    .map((page, n) => tidy([`# ${page.title ?? `Slide ${n + 1}`}`, ...page.blocks].join('\n\n')))
    .join('\n\f');
  return { kind: 'extracted', format, title, text, pages: pages.length };
}

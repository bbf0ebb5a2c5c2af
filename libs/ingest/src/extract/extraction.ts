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

import {
  escapeMarkdownLines,
  pagedExtraction,
  skipped,
  tableLines,
  tidy,
  type Extraction,
  type HeadedPage,
} from './extraction';
import { flat, type XmlDocument, type XmlElement } from './html-text';
import { dcTitle, openZipPackage } from './zip-package';
import type { ZipLimits } from './zip-parts';

/** Containers whose blocks are read in order. */
const CONTAINERS = new Set([
  'office:text',
  'text:section',
  'text:list',
  'text:list-item',
  'text:list-header',
  'text:index-body',
  'draw:frame',
  'draw:text-box',
  'draw:custom-shape',
  'draw:g',
]);
/** Parts of a text document a reader does not read as its text. */
const LEFT_OUT = new Set([
  'text:sequence-decls',
  'text:variable-decls',
  'text:tracked-changes',
  'office:forms',
  'text:table-of-content',
  'text:alphabetical-index',
  'office:annotation',
]);

/** What every OpenDocument reader needs: the package's content, and its metadata title. */
function openDocument(
  bytes: Buffer,
  limits: ZipLimits,
  body: string,
): { root: XmlDocument; content: XmlElement; title?: string } | { refusal: string } {
  const parts = openZipPackage(bytes, limits);
  if ('refusal' in parts) return parts;
  const root = parts.xml('content.xml');
  const content = root?.getElementsByTagName(body)[0];
  if (!root || !content) return { refusal: `OpenDocument file without ${body} (content.xml)` };
  return { root, content, title: dcTitle(parts.xml('meta.xml')) };
}

/**
 * An OpenDocument text (LibreOffice Writer's .odt): headings at their outline level, paragraphs and
 * list items as blocks, tables as a row per line (cells parted by ` | `), footnotes after the
 * paragraph that cites them; tables of contents, indexes, comments and tracked deletions left
 * out. White space is read as ODF defines it (runs collapse; `text:s`, `text:tab` and
 * `text:line-break` are spaces, tabs and line breaks). The title is the document's metadata title,
 * else its first heading. Every part is inflated within the ZIP limits.
 */
export function extractOdt(bytes: Buffer, limits: ZipLimits): Extraction {
  const document = openDocument(bytes, limits, 'office:text');
  if ('refusal' in document) return skipped(document.refusal);
  const blocks: string[] = [];
  readBlocks(document.content, blocks);
  const text = tidy(blocks.join('\n\n'));
  if (!text) return skipped('no text in the document');
  return {
    kind: 'extracted',
    format: 'odt',
    title: document.title ?? /^#{1,6}\s+(.+)$/m.exec(text)?.[1],
    text,
  };
}

/** Presentation frames a slide repeats from its master: number, date, header, footer. */
const SLIDE_FURNITURE = new Set(['page-number', 'date-time', 'header', 'footer']);

/**
 * An OpenDocument presentation (LibreOffice Impress's .odp), read as PowerPoint's is: each slide a
 * page under its title ("Slide N" without one), its frames and tables in order, then its speaker
 * notes; slide numbers, dates, headers and footers left out.
 */
export function extractOdp(bytes: Buffer, limits: ZipLimits): Extraction {
  const document = openDocument(bytes, limits, 'office:presentation');
  if ('refusal' in document) return skipped(document.refusal);
  const slides = Array.from(document.content.children).filter((c) => c.nodeName === 'draw:page');
  const pages = slides.map((slide) => {
    let title: string | undefined;
    const blocks: string[] = [];
    for (const shape of Array.from(slide.children)) {
      const kind = shape.getAttribute('presentation:class') ?? '';
      if (SLIDE_FURNITURE.has(kind) || shape.nodeName === 'presentation:notes') continue;
      const text: string[] = [];
      readBlock(shape, text);
      if (kind === 'title' && title === undefined && text.length) title = text.join(' ').replace(/\s+/g, ' ');
      else blocks.push(...text);
    }
    const notes = slide.getElementsByTagName('presentation:notes')[0];
    for (const frame of Array.from(notes?.children ?? []))
      if (frame.getAttribute('presentation:class') === 'notes') readBlocks(frame, blocks);
    return { title, blocks };
  });
  const title = document.title ?? pages.find((page) => page.title)?.title;
  return pagedExtraction('odp', title, pages, 'no text in the presentation');
}

/**
 * An OpenDocument spreadsheet (LibreOffice Calc's .ods), read as Excel's is: each sheet a page of
 * rows under its name, dates as ISO dates, hidden sheets left out. A row or cell repeated (a sheet
 * declares its million empty rows as one) is read once, never expanded.
 */
export function extractOds(bytes: Buffer, limits: ZipLimits): Extraction {
  const document = openDocument(bytes, limits, 'office:spreadsheet');
  if ('refusal' in document) return skipped(document.refusal);
  const hidden = hiddenTableStyles(document.root);
  const pages: HeadedPage[] = [];
  for (const sheet of Array.from(document.content.children)) {
    if (sheet.nodeName !== 'table:table' || hidden.has(sheet.getAttribute('table:style-name') ?? ''))
      continue;
    const rows = tableLines(
      Array.from(sheet.getElementsByTagName('table:table-row')).map((row) =>
        Array.from(row.children)
          .filter(
            (cell) => cell.nodeName === 'table:table-cell' || cell.nodeName === 'table:covered-table-cell',
          )
          .map(cellValue),
      ),
    );
    if (rows) pages.push({ title: sheet.getAttribute('table:name') ?? 'Sheet', blocks: [rows] });
  }
  return pagedExtraction('ods', document.title, pages, 'no text in the spreadsheet');
}

/** A cell as it shows (its paragraphs), a date as its ISO date. */
function cellValue(cell: XmlElement): string {
  const date = cell.getAttribute('office:date-value');
  if (cell.getAttribute('office:value-type') === 'date' && date) {
    const [day, time] = date.split('T');
    // Midnight is a date alone; a time shows without its zero seconds.
    if (!time || /^00:00(:00(\.0+)?)?$/.test(time)) return day;
    return `${day} ${time.replace(/:00(\.0+)?$/, '')}`;
  }
  return flat(inline(cell, []));
}

/** The table styles that hide a sheet (`table:display="false"`), from the content's automatic styles. */
function hiddenTableStyles(root: XmlDocument): Set<string> {
  const hidden = new Set<string>();
  for (const style of Array.from(root.getElementsByTagName('style:style'))) {
    const properties = style.getElementsByTagName('style:table-properties')[0];
    if (properties?.getAttribute('table:display') === 'false')
      hidden.add(style.getAttribute('style:name') ?? '');
  }
  return hidden;
}

/** The blocks of an element's children, in order. */
function readBlocks(element: XmlElement, blocks: string[]): void {
  for (const child of Array.from(element.children)) readBlock(child, blocks);
}

/** One element as blocks: a heading, a paragraph and its footnotes, a table, or a container's blocks. */
function readBlock(element: XmlElement, blocks: string[]): void {
  const name = element.nodeName;
  if (LEFT_OUT.has(name)) return;
  if (name === 'text:h') {
    const level = Math.min(Math.max(Number(element.getAttribute('text:outline-level')) || 1, 1), 6);
    const notes: string[] = [];
    const heading = flat(inline(element, notes));
    if (heading) blocks.push(`${'#'.repeat(level)} ${heading}`, ...notes);
  } else if (name === 'text:p') {
    const notes: string[] = [];
    const text = inline(element, notes).trim();
    if (text) blocks.push(escapeMarkdownLines(text));
    blocks.push(...notes);
  } else if (name === 'table:table') {
    blocks.push(
      tableLines(
        Array.from(element.getElementsByTagName('table:table-row')).map((row) =>
          Array.from(row.getElementsByTagName('table:table-cell')).map((cell) => flat(inline(cell, []))),
        ),
      ),
    );
  } else if (CONTAINERS.has(name) || name.startsWith('text:')) {
    readBlocks(element, blocks);
  }
}

/** A paragraph's text; its footnotes' text goes to `notes`. */
function inline(element: XmlElement, notes: string[]): string {
  let text = '';
  for (const node of Array.from(element.childNodes)) {
    if (node.nodeType === 3) text += (node.textContent ?? '').replace(/\s+/g, ' ');
    else if (node.nodeName === 'text:s')
      text += ' '.repeat(Math.min(Number(node.getAttribute('text:c')) || 1, 100));
    else if (node.nodeName === 'text:tab') text += '\t';
    else if (node.nodeName === 'text:line-break') text += '\n';
    else if (node.nodeName === 'text:note') {
      const body = node.getElementsByTagName('text:note-body')[0];
      if (body) notes.push(inline(body, notes).trim());
    } else if (node.nodeName === 'text:p') text += `${inline(node, notes)}\n`;
    else if (!LEFT_OUT.has(node.nodeName)) text += inline(node, notes);
  }
  return text;
}

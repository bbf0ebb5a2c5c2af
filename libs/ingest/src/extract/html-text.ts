import { escapeMarkdownLines, tidy } from './extraction';

/*
 * HTML as text: the DOM types Quarry reads (linkedom's), and the rendering of an element tree as
 * text with `#` headings (`textWithHeadings`), shared by the HTML, DOCX and man page readers.
 */

const BLOCKS = new Set([
  'P',
  'DIV',
  'SECTION',
  'ARTICLE',
  'MAIN',
  'LI',
  'PRE',
  'BLOCKQUOTE',
  'TR',
  'TABLE',
  'UL',
  'OL',
  'DL',
  'DT',
  'DD',
  'FIGURE',
  'FIGCAPTION',
  'BR',
  'HR',
  'TD',
  'TH',
]);

export interface DomNode {
  nextSibling: DomNode | null;
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
}

export interface DomElement extends DomNode {
  parentElement: DomElement | null;
  firstElementChild: DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  contains(other: DomNode): boolean;
  remove(): void;
  getAttribute(name: string): string | null;
  removeAttribute(name: string): void;
  closest(selector: string): DomElement | null;
  nextElementSibling: DomElement | null;
  append(...nodes: DomNode[]): void;
  replaceWith(node: DomNode): void;
}

export interface DomDocument {
  body: DomNode | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  createElement(name: string): DomElement;
  cloneNode(deep: boolean): unknown;
}

/** What moving nodes into the body takes of linkedom's document (`withImpliedBody`). */
interface ParsedDocument extends DomDocument {
  documentElement: { nodeName: string; childNodes: ArrayLike<DomNode> } | null;
  head: DomNode | null;
  body:
    | (DomNode & { firstChild: DomNode | null; insertBefore(node: DomNode, before: DomNode | null): void })
    | null;
}

/** An element of an XML document (EPUB packages, Office parts), by its qualified names (`p:sp`). */
export interface XmlElement {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  parentElement: XmlElement | null;
  children: ArrayLike<XmlElement>;
  /** Elements and text (nodeType 3), in order. */
  childNodes: ArrayLike<XmlElement>;
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): ArrayLike<XmlElement>;
}

/** An XML document (`parseXmlDocument`). */
export interface XmlDocument {
  getElementsByTagName(name: string): ArrayLike<XmlElement>;
}

// linkedom declares its types as an ES module only; Node loads its CommonJS build here.
const { parseHTML, DOMParser } = require('linkedom') as {
  parseHTML: (html: string) => { document: ParsedDocument };
  DOMParser: new () => { parseFromString(xml: string, type: 'text/xml'): XmlDocument };
};

/** Parses XML: an EPUB's container and package, an Office document's parts. */
export const parseXmlDocument = (xml: string): XmlDocument =>
  new DOMParser().parseFromString(xml, 'text/xml');

/** Element and text nodes (comments and white space between the head and the body say nothing). */
const isContent = (node: DomNode) =>
  node.nodeType === 1 || (node.nodeType === 3 && /\S/.test(node.textContent ?? ''));

/**
 * The page's content beside `<head>` and `<body>` moved into the body, in order, as HTML's parsing
 * rules imply a body for it. `<body>` is optional in HTML, and linkedom's parser (htmlparser2, not
 * the HTML tree builder) leaves what follows `</head>` beside an empty body: every page groff
 * writes (`groff -Thtml`: `</head><hr>...<h2>1. Introduction to PIC</h2>...`) read as no text.
 */
function withImpliedBody(document: ParsedDocument): void {
  const { body, head, documentElement } = document;
  if (!body || !documentElement) return;
  const first = body.firstChild;
  let after = false;
  for (const node of Array.from(documentElement.childNodes)) {
    if (node === body) after = true;
    else if (node !== head && isContent(node)) body.insertBefore(node, after ? null : first);
  }
}

/**
 * Parses a whole HTML page. A page without an `<html>` element (`<h1>...</h1><p>...`: TeX Live's
 * readme, pandoc's output without `--standalone`) is a body's content: linkedom made its first
 * element the document and put an empty head and body inside it.
 */
export function parseHtmlDocument(html: string): DomDocument {
  const { document } = parseHTML(html);
  if (document.documentElement?.nodeName !== 'HTML') return parseHtmlFragment(html);
  withImpliedBody(document);
  return document;
}

/** Parses HTML that is already the content (mammoth's, mandoc's) into a document of its own. */
export function parseHtmlFragment(html: string): DomDocument {
  return parseHTML(`<!doctype html><html><body>${html}</body></html>`).document;
}

/** Text on one line: runs of white space as one space, none at either end. */
export const flat = (text: string) => text.replace(/\s+/g, ' ').trim();

/** An element's text on one line. */
export const cellText = (cell: DomNode) => flat(cell.textContent ?? '');

/** A heading element's level, 1-6. */
export const levelOf = (heading: DomNode) => Number(heading.nodeName[1]);

/** A heading as a `#` line of text: `## OPTIONS`. */
export const headingLine = (heading: DomNode, title = cellText(heading)) =>
  `${'#'.repeat(levelOf(heading))} ${title}`;

/** The headings of text with `#` headings, by their titles. */
export const headingsOf = (text: string) =>
  new Set(
    text
      .split('\n')
      .filter((line) => /^#{1,6}\s/.test(line))
      .map((line) => line.replace(/^#+\s+/, '')),
  );

/**
 * The text of an element tree with `#` headings, paragraph breaks between blocks and a table row
 * per line (cells separated by ` | `). Text lines that would read as Markdown markup are escaped.
 */
export function textWithHeadings(root: DomNode): string {
  const out: string[] = [];
  let line = '';
  const breakLine = () => {
    if (line.trim()) out.push(escapeMarkdownLines(line.replace(/\s+/g, ' ').trim()));
    line = '';
  };
  const visit = (node: DomNode) => {
    if (node.nodeType === 3) {
      line += node.textContent ?? '';
      return;
    }
    if (node.nodeType !== 1) return;
    if (HEADINGS.has(node.nodeName)) {
      breakLine();
      const text = cellText(node);
      if (text) out.push('', headingLine(node, text), '');
      return;
    }
    if (node.nodeName === 'PRE') {
      breakLine();
      out.push('', escapeMarkdownLines(preText(node)), '');
      return;
    }
    if (node.nodeName === 'TR') {
      breakLine();
      const cells = Array.from(node.childNodes).filter((c) => c.nodeName === 'TD' || c.nodeName === 'TH');
      // A row whose cells hold headings or tables lays out a page (old sites put the whole page in
      // a table): its cells are read as blocks, headings kept, not joined into one line.
      if (cells.some(isLayoutCell)) {
        for (const cell of cells) visit(cell);
        breakLine();
        return;
      }
      const row = cells.map(cellText).join(' | ');
      if (row.replace(/[\s|]/g, '')) out.push(escapeMarkdownLines(row));
      return;
    }
    const block = BLOCKS.has(node.nodeName);
    if (block) breakLine();
    for (const child of Array.from(node.childNodes)) visit(child);
    if (block) {
      breakLine();
      if (node.nodeName === 'P' || node.nodeName === 'BLOCKQUOTE') out.push('');
    }
  };
  visit(root);
  breakLine();
  return tidy(out.join('\n'));
}

/**
 * A preformatted block's text. A `<pre>` of several `<code>` elements shows one at a time
 * (Node.js's API pages give each example as an ES module and as CommonJS, a checkbox switching
 * them): each is a block of its own, a blank line apart, not run on into the next.
 */
function preText(node: DomNode): string {
  const children = Array.from(node.childNodes);
  const codes = children.filter((child) => child.nodeName === 'CODE');
  // Only when the <pre> holds nothing else (a switch aside): code marked inline among other text
  // (`<code>gcc</code>   CC`, TeX Live's tables of tools) is one block.
  const switched =
    codes.length > 1 &&
    children.every(
      (child) =>
        child.nodeName === 'CODE' ||
        child.nodeName === 'INPUT' ||
        (child.nodeType === 3 && !(child.textContent ?? '').trim()),
    );
  const blocks = switched ? codes : [node];
  return blocks.map((block) => (block.textContent ?? '').replace(/\n+$/, '')).join('\n\n');
}

export const HEADINGS: ReadonlySet<string> = new Set(['H1', 'H2', 'H3', 'H4', 'H5', 'H6']);
/** The headings as a selector (`h1, h2, …`). */
export const HEADING_SELECTOR = [...HEADINGS].map((name) => name.toLowerCase()).join(', ');
const LAYOUT_CONTENT: ReadonlySet<string> = new Set([...HEADINGS, 'TABLE']);

/** Whether an element has a descendant element named in `names`. */
export function holds(node: DomNode, names: ReadonlySet<string>): boolean {
  return Array.from(node.childNodes).some(
    (child) => child.nodeType === 1 && (names.has(child.nodeName) || holds(child, names)),
  );
}

/** A table cell that holds headings or a table of its own: page layout, not data. */
const isLayoutCell = (cell: DomNode) => holds(cell, LAYOUT_CONTENT);

/** Converts HTML that is already the content (a DOCX converted by mammoth) into text with headings. */
export function htmlFragmentToText(html: string): string {
  const document = parseHtmlFragment(html);
  return document.body ? textWithHeadings(document.body) : '';
}

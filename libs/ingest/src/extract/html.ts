import { Readability } from '@mozilla/readability';
import { escapeMarkdownLines, skipped, tidy, type Extraction } from './extraction';
import { removeHidden } from './html-visibility';
import { EXTRACTION_LIMITS, mib } from './limits';
import { decodeText } from './text';

/**
 * Navigation and footers, which Readability keeps when they sit inside the article (a page's
 * contents box): the elements, their ARIA roles, and the footer generators mark by id (AsciiDoc).
 */
const NAVIGATION = 'nav, [role="navigation"], footer, [role="contentinfo"], #footer';
/** Page furniture dropped when Readability finds no article and the whole body is read. */
const DROPPED = 'svg, header, aside, form, iframe';
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
}

export interface DomDocument {
  body: DomNode | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  cloneNode(deep: boolean): unknown;
}

// linkedom declares its types as an ES module only; Node loads its CommonJS build here.
const { parseHTML } = require('linkedom') as { parseHTML: (html: string) => { document: DomDocument } };

/** Parses HTML that is already the content (mammoth's, mandoc's) into a document of its own. */
export function parseHtmlFragment(html: string): DomDocument {
  return parseHTML(`<!doctype html><html><body>${html}</body></html>`).document;
}

const cellText = (cell: DomNode) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim();

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
    const heading = /^H([1-6])$/.exec(node.nodeName);
    if (heading) {
      breakLine();
      const text = (node.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (text) out.push('', `${'#'.repeat(Number(heading[1]))} ${text}`, '');
      return;
    }
    if (node.nodeName === 'PRE') {
      breakLine();
      out.push('', escapeMarkdownLines((node.textContent ?? '').replace(/\n+$/, '')), '');
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

const HEADINGS: ReadonlySet<string> = new Set(['H1', 'H2', 'H3', 'H4', 'H5', 'H6']);
const LAYOUT_CONTENT: ReadonlySet<string> = new Set([...HEADINGS, 'TABLE']);

/** Whether an element has a descendant element named in `names`. */
function holds(node: DomNode, names: ReadonlySet<string>): boolean {
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

/** A mark that stands for a link rather than saying anything: `¶`, `#`, `§`, an arrow, or nothing (an icon). */
const LINK_MARK = /^[^\p{L}\p{N}]{0,2}$/u;

/**
 * Removes permalink anchors: the `¶`, `#` or `§` that documentation generators set beside every
 * heading and API entry as a link to its own place on the page (Sphinx and MkDocs `a.headerlink`,
 * rustdoc's `§`, Docusaurus's `#`, GitHub's icon). Their stylesheets show them on hover only, but
 * as text they ended every heading and entry of a Sphinx manual (`3.6. Module Path¶`). A link to
 * a place on the page that says something (`see Installing`, a footnote's number) stays.
 */
function removePermalinks(document: DomDocument): void {
  for (const anchor of Array.from(document.querySelectorAll('a[href^="#"], a.headerlink')))
    if (LINK_MARK.test((anchor.textContent ?? '').replace(/[\s\u200b]/g, ''))) anchor.remove();
}

/**
 * An HTML page: its main content (Readability's choice; the whole body without scripts, styles,
 * navigation, headers and footers when Readability finds no article), its title and headings.
 */
export function extractHtml(bytes: Buffer, maxBytes: number): Extraction {
  // Parsing is the slow step (an 8 MB page took 25 s), so the size is checked before it.
  if (bytes.length > maxBytes)
    return skipped(`HTML page of ${mib(bytes.length)}, more than the limit of ${mib(maxBytes)}`);
  const html = decodeText(bytes);
  const { document } = parseHTML(html);
  const pageTitle = document.querySelector('title')?.textContent?.replace(/\s+/g, ' ').trim();
  removeHidden(document);
  removePermalinks(document);
  for (const element of Array.from(document.querySelectorAll(NAVIGATION))) element.remove();
  const headings = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6'));
  // Readability scores by class and id and deletes headings named like comments, shares or related
  // links (`id="comments-and-feedback"`); a heading is content whatever its anchor is called.
  for (const heading of headings) {
    heading.removeAttribute('id');
    heading.removeAttribute('class');
  }
  let text = '';
  try {
    const article = new Readability(
      document.cloneNode(true) as ConstructorParameters<typeof Readability>[0],
      {
        charThreshold: 200,
        keepClasses: false,
      },
    ).parse();
    if (article?.content) text = withTitleHeading(htmlFragmentToText(article.content), headings);
  } catch {
    // Readability gives up on some markup; the whole body below still holds the text.
  }
  // A fragment of a document of sections is read again from the element holding all its headings.
  const sections = outlineOf(document, headings);
  if (text && isFragmentOf(text, sections)) text = '';
  else if (text) text = withLeadSections(text, sections);
  if (!text) {
    for (const element of Array.from(document.querySelectorAll(DROPPED))) element.remove();
    const container = sections.length >= 2 ? commonAncestor(sections.map((s) => s.heading)) : undefined;
    const root = container ?? document.body;
    if (root) text = textWithHeadings(root);
  }
  if (!text) return skipped('no text in the HTML page');
  const title = pageTitle || /^#\s+(.+)$/m.exec(text)?.[1];
  return { kind: 'extracted', format: 'html', title, text };
}

/** A heading of the page and its section's text up to the next heading: how much, and how much of it is link text. */
interface OutlineSection {
  heading: DomElement;
  title: string;
  words: number;
  linkWords: number;
}

/**
 * A section of a few words, fewer than half of them link text, is prose (not a list of links). A
 * manual page's NAME line can be short: `git-var - Show a Git logical variable`.
 */
const PROSE_SECTION_WORDS = 3;
const PROSE_SECTION_LINK_SHARE = 0.5;

/** The page's headings outside its furniture (`isFurniture`), each with its section's text. */
function outlineOf(document: DomDocument, headings: DomElement[]): OutlineSection[] {
  const sections: OutlineSection[] = [];
  let current: OutlineSection | undefined;
  const visit = (node: DomNode, inLink: boolean) => {
    if (node.nodeType === 3) {
      if (!current) return;
      const words = (node.textContent ?? '').split(/\s+/).filter(Boolean).length;
      current.words += words;
      if (inLink) current.linkWords += words;
      return;
    }
    if (node.nodeType !== 1) return;
    if (HEADINGS.has(node.nodeName)) {
      const heading = node as DomElement;
      current = { heading, title: cellText(heading), words: 0, linkWords: 0 };
      sections.push(current);
      return;
    }
    for (const child of Array.from(node.childNodes)) visit(child, inLink || node.nodeName === 'A');
  };
  if (document.body) visit(document.body, false);
  const shown = new Set(headings.filter((h) => !isFurniture(h)));
  return sections.filter((s) => shown.has(s.heading) && s.title);
}

/** A section that heads prose: a sidebar's or a footer's widget heads a list of links, a document's section heads text. */
const isProse = (s: OutlineSection) =>
  s.words >= PROSE_SECTION_WORDS && s.linkWords / s.words < PROSE_SECTION_LINK_SHARE;

/** The headings of text with `#` headings. */
const headingsOf = (text: string) =>
  new Set(
    text
      .split('\n')
      .filter((line) => /^#{1,6}\s/.test(line))
      .map((line) => line.replace(/^#+\s+/, '')),
  );

/**
 * Whether Readability's article is one part of a document of several: it holds fewer than half of
 * the page's prose sections by their headings. Readability picks the best-scoring block and joins
 * its siblings, which suits an article among page furniture; a manual page made of sibling
 * sections (AsciiDoc's, a git command's: NAME, SYNOPSIS, DESCRIPTION beside a long OPTIONS list)
 * came out as its OPTIONS alone, every other section and heading lost. A page with fewer than three
 * prose sections is an article as Readability sees it.
 */
function isFragmentOf(text: string, outline: OutlineSection[]): boolean {
  const sections = outline.filter(isProse);
  if (sections.length < 3) return false;
  const kept = headingsOf(text);
  if (sections.filter((s) => kept.has(s.title)).length * 2 < sections.length) return true;
  // Or it holds most of them but lost a sibling of one it holds (the same level under the same
  // parent), text and all: git-status's CONFIGURATION and BACKGROUND REFRESH after its OUTPUT.
  const held = heldSections(text, outline);
  const levels = new Map<DomElement | null, Set<string>>();
  for (const s of held) {
    const parent = parentOf(s.heading);
    levels.set(parent, (levels.get(parent) ?? new Set()).add(s.heading.nodeName));
  }
  return sections.some((s) => !held.has(s) && levels.get(parentOf(s.heading))?.has(s.heading.nodeName));
}

/**
 * The sections the article holds: by their heading, or by the start of their text (Readability
 * drops headings and keeps text), and every section enclosing one it holds (an OPTIONS heading
 * over the subsections it keeps).
 */
function heldSections(text: string, outline: OutlineSection[]): Set<OutlineSection> {
  const kept = headingsOf(text);
  const article = flat(text);
  const held = new Set<OutlineSection>();
  const open: OutlineSection[] = [];
  for (const s of outline) {
    const level = Number(s.heading.nodeName[1]);
    while (open.length && Number(open[open.length - 1].heading.nodeName[1]) >= level) open.pop();
    open.push(s);
    const body = flat(sectionText(s.heading)).slice(0, 100);
    if (kept.has(s.title) || (body && article.includes(body)))
      for (const enclosing of open) held.add(enclosing);
  }
  return held;
}

const flat = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * Where a section sits among its siblings: the parent of the element that wraps it (AsciiDoc's
 * `div.sect1`, an HTML `<section>`: an element the heading opens, holding no other heading of its
 * level or above), or of the heading itself when the sections are flat.
 */
function parentOf(heading: DomElement): DomElement | null {
  const parent = heading.parentElement;
  const level = Number(heading.nodeName[1]);
  const opens =
    parent?.firstElementChild === heading &&
    !Array.from(parent.querySelectorAll('h1, h2, h3, h4, h5, h6')).some(
      (other) => other !== heading && Number(other.nodeName[1]) <= level,
    );
  return opens ? parent.parentElement : parent;
}

/**
 * The page's prose sections before the first one the article holds, put back after its title:
 * Readability drops a block named like page furniture (`id="header"`) or too short to score,
 * which on a manual page is its NAME line (AsciiDoc's `git-stash - Stash the changes in a dirty
 * working directory away`), the one line that says what the page is.
 */
function withLeadSections(text: string, outline: OutlineSection[]): string {
  const kept = headingsOf(text);
  // The title heading (the outline's first) is in the text already (`withTitleHeading`).
  const first = outline.findIndex((s, i) => i > 0 && kept.has(s.title));
  if (first < 0) return text;
  // What the article holds of a section (Readability may drop a heading and keep its text) is not repeated.
  const article = flat(text);
  const added = outline
    .slice(1, first)
    .filter((s) => isProse(s) && !kept.has(s.title))
    .map((s) => ({
      s,
      body: sectionText(s.heading)
        .split('\n\n')
        .filter((paragraph) => !article.includes(flat(paragraph)))
        .join('\n\n'),
    }))
    .filter(({ body }) => body)
    .map(({ s, body }) => `${'#'.repeat(Number(s.heading.nodeName[1]))} ${s.title}\n\n${body}`);
  if (added.length === 0) return text;
  const lines = text.split('\n');
  const title = lines.findIndex(
    (line) => line === `${'#'.repeat(Number(outline[0].heading.nodeName[1]))} ${outline[0].title}`,
  );
  lines.splice(title + 1, 0, '', ...added);
  return tidy(lines.join('\n'));
}

/** A section's text: what follows its heading up to the next element that is or holds a heading. */
function sectionText(heading: DomElement): string {
  const parts: string[] = [];
  for (let node = heading.nextSibling; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (HEADINGS.has(node.nodeName) || holds(node, HEADINGS))) break;
    parts.push(node.nodeType === 1 ? textWithHeadings(node) : (node.textContent ?? '').trim());
  }
  return parts.filter(Boolean).join('\n\n');
}

/** The innermost element holding all of `elements`. */
function commonAncestor(elements: DomElement[]): DomElement | undefined {
  let ancestor: DomElement | null = elements[0]?.parentElement ?? null;
  while (ancestor && !elements.every((element) => ancestor!.contains(element)))
    ancestor = ancestor.parentElement;
  return ancestor ?? undefined;
}

/**
 * Readability deletes the heading that repeats the page's title, and headings of other pages it
 * judges to be no content (a manual's `<h3>` above its first paragraph), which is the heading the
 * first section of the page belongs under: the page's first heading outside its navigation comes
 * back when the article's text has lost it.
 */
const isFurniture = (element: DomElement) =>
  Boolean(
    element.closest('nav, footer, aside') || (element.closest('header') && !element.closest('article, main')),
  );

function withTitleHeading(text: string, headings: DomElement[]): string {
  const first = headings.find((h) => !isFurniture(h));
  const heading = first && cellText(first);
  if (!first || !heading) return text;
  const level = Number(first.nodeName[1]);
  const found = text
    .split('\n')
    .some((line) => /^#{1,6}\s/.test(line) && line.replace(/^#+\s+/, '') === heading);
  return found ? text : `${'#'.repeat(level)} ${heading}\n\n${text}`;
}

/**
 * Absolute http(s) URLs of a page's links (`<a href>`), fragments dropped, `rel=nofollow` honoured.
 * None for a page over the HTML size limit: the crawler would skip that page anyway, and parsing it
 * here (on the caller's thread) is the slow step the limit exists for.
 */
export function linksOf(html: string, base: string): string[] {
  if (html.length > EXTRACTION_LIMITS.htmlBytes) return [];
  const { document } = parseHTML(html);
  const baseHref = (
    document.querySelector('base[href]') as unknown as { getAttribute(n: string): string | null } | null
  )?.getAttribute('href');
  const links = new Set<string>();
  for (const anchor of Array.from(document.querySelectorAll('a[href]')) as unknown as {
    getAttribute(name: string): string | null;
  }[]) {
    if (/\bnofollow\b/i.test(anchor.getAttribute('rel') ?? '')) continue;
    try {
      const url = new URL(anchor.getAttribute('href')!, baseHref ? new URL(baseHref, base) : base);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
      url.hash = '';
      links.add(url.toString());
    } catch {
      // An unparsable href is no link.
    }
  }
  return [...links];
}

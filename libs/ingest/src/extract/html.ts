import { Readability } from '@mozilla/readability';
import { skipped, type Extraction } from './extraction';
import { commonAncestor, isFragmentOf, isFurniture, outlineOf, withLeadSections } from './html-outline';
import {
  cellText,
  headingLine,
  HEADING_SELECTOR,
  HEADINGS,
  headingsOf,
  htmlFragmentToText,
  parseHtmlDocument,
  textWithHeadings,
  type DomDocument,
  type DomElement,
  type DomNode,
} from './html-text';
import { removeHidden } from './html-visibility';
import { EXTRACTION_LIMITS, mib } from './limits';
import { decodeText } from './text';

/**
 * Navigation and footers, which Readability keeps when they sit inside the article (a page's
 * contents box): the elements, their ARIA roles, the footers generators mark by id (AsciiDoc) or
 * class (Sphinx's `div.footer`, which Readability took for the article of a short page: Python's
 * urllib page read as its copyright notice alone), and DocBook's bars of links above and below
 * every page ("Prev | Up | Part VII. Internals | Home | Next").
 */
const NAVIGATION =
  'nav, [role="navigation"], footer, [role="contentinfo"], #footer, div.footer, .navheader, .navfooter';
/**
 * What a page marks as not for search: SQLite's `class="nosearch"` around the banner, tagline and
 * menu that open every page ("Small. Fast. Reliable. Choose any three." began 67 of its 214 pages),
 * Yahoo's `robots-nocontent`, Pagefind's `data-pagefind-ignore`.
 */
const NOT_FOR_SEARCH = '.nosearch, .robots-nocontent, [data-pagefind-ignore]';
/**
 * A table of contents as generators mark it: DocBook's and Asciidoctor's `<div class="toc">`, `#toc`,
 * its ARIA role, and Sphinx's `toctree-wrapper` (a chapter page's list of every module and section
 * under it: 1,339 lines on Python's "Generic Operating System Services").
 */
const CONTENTS = 'div.toc, #toc, [role="doc-toc"], div.toctree-wrapper';
/** The characters a page says besides its headings and tables of contents for these to go. */
const MORE_THAN_CONTENTS = 200;
/** Page furniture dropped when Readability finds no article and the whole body is read. */
const DROPPED = 'svg, header, aside, form, iframe';
/** A page title that is only a file's name (`<title>pic-1.html</title>`, groff's): no title. */
const FILE_NAME = /^[\w.-]+\.x?html?$/i;
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
 * A link's whole text a lower-case word or two in square brackets (`[src]`, `[source]`, `[link]`):
 * a generator's link, not a title's words. A citation's label (`[RFC2119]`, `[1]`) is not one.
 */
const BRACKETED_LINK = /^\[[a-z]+(?: [a-z]+)?\]$/;

/**
 * Removes the bracketed links generators set in headings and API entries: Node.js's `[src]` beside
 * a module's heading, Sphinx's `[source]` (viewcode) at the end of each entry's signature, the
 * `[link]` a LaTeX-to-HTML converter sets in every chapter heading (TeX Live's tracklang). As text
 * they became part of the heading every chunk of the section carries ("Stream[src]"). Only links
 * inside a heading or an entry's term (`dt`) go; a bracketed note in prose stays. On TeX Live's
 * tracklang manual, "1. Introduction[link]" also kept its headings from matching the main content's,
 * so the whole page was read, back-of-book index and "[top]" links included.
 */
function removeSourceLinks(document: DomDocument): void {
  for (const anchor of Array.from(document.querySelectorAll('h1 a, h2 a, h3 a, h4 a, h5 a, h6 a, dt a')))
    if (BRACKETED_LINK.test((anchor.textContent ?? '').trim())) anchor.remove();
}

/**
 * Removes a page's table of contents when the page says more than it: DocBook sets one at the top
 * of every page of sections, and the titles of the sections that follow ("9.4.1. format" above
 * PostgreSQL's string functions) were said again in the page's first passage, which then matched
 * every question about a section. A page that is little but its table of contents (a manual's
 * chapter page) keeps it: that is what the page says.
 */
function removeContents(document: DomDocument): void {
  // A heading is never one (mom's manual names its macro's heading `id="toc"`).
  const all = Array.from(document.querySelectorAll(CONTENTS)).filter(
    (element) => !HEADINGS.has(element.nodeName),
  );
  const contents = all.filter(
    (element) => !all.some((other) => other !== element && other.contains(element)),
  );
  const body = document.body;
  if (!contents.length || !body) return;
  const outside = Array.from(document.querySelectorAll(HEADING_SELECTOR)).filter(
    (heading) => !contents.some((element) => element.contains(heading)),
  );
  const length = (nodes: DomNode[]) => nodes.reduce((sum, node) => sum + cellText(node).length, 0);
  if (cellText(body).length - length(contents) - length(outside) < MORE_THAN_CONTENTS) return;
  for (const element of contents) element.remove();
}

/**
 * Inline elements of older HTML that Readability does not count as phrasing content: in a `<div>`
 * holding text it takes them for blocks and breaks the sentence around them into paragraphs
 * ("Use the", "ls", "command to list files"). DocBook marks every acronym (the Debian handbook's
 * `<div class="para"><acronym>APT</acronym> is a vast project`, PostgreSQL's "SQL") and older
 * manuals set code in `<tt>`. They are read as the spans a browser renders them as.
 */
const OLD_INLINE = 'tt, acronym, big, strike, u, s, nobr, bdi';

function inlineAsSpans(document: DomDocument): void {
  for (const element of Array.from(document.querySelectorAll(OLD_INLINE))) {
    const span = document.createElement('span');
    span.append(...Array.from(element.childNodes));
    element.replaceWith(span);
  }
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
  const document = parseHtmlDocument(html);
  const titleElement = document.querySelector('title');
  const pageTitle = titleElement ? cellText(titleElement) : undefined;
  removeHidden(document);
  removePermalinks(document);
  removeSourceLinks(document);
  inlineAsSpans(document);
  for (const element of Array.from(document.querySelectorAll(`${NAVIGATION}, ${NOT_FOR_SEARCH}`)))
    element.remove();
  removeContents(document);
  const headings = Array.from(document.querySelectorAll(HEADING_SELECTOR));
  // Readability scores by class and id and deletes headings named like comments, shares or related
  // links (`id="comments-and-feedback"`); a heading is content whatever its anchor is called.
  // So are the parts of a code block: it keeps those inside <code> only, and a TeX manual's
  // `<pre>` marks its comments `<span class="comment">% v1.3</span>`. So is an API entry's name,
  // which Sphinx sets as its id: `csv.Sniffer.has_header` and `calendar.weekheader` read as page
  // headers and `BaseTransport.get_extra_info` as extras, and their signatures were deleted.
  for (const element of [...headings, ...Array.from(document.querySelectorAll('pre *, dt, dt *'))]) {
    element.removeAttribute('id');
    element.removeAttribute('class');
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
  text = withoutLinkBars(text, document);
  if (!text) return skipped('no text in the HTML page');
  const title =
    (pageTitle && !FILE_NAME.test(pageTitle) ? withoutSiteName(pageTitle, headings) : undefined) ??
    /^#{1,6}\s+(.+)$/m.exec(text)?.[1];
  return { kind: 'extracted', format: 'html', title, text };
}

/** What parts a page's name from its site's name in a `<title>`. */
const TITLE_SEPARATOR = ['—', '–', '|', '·', '-', '::', ':', '«', '»'].map((mark) => ` ${mark} `);

/**
 * A page's `<title>` without the name of its site, which generators add to every page's title and
 * each hit then said again (and every chunk's title words carried): "tarfile — Read and write tar
 * archive files — Python 3.11.2 documentation" (Sphinx), "Page - Site" (MkDocs). Told apart by the
 * page's only `<h1>`, which is one of the title's two parts: the other part is the site's name,
 * unless it is a heading on the page, when the `<h1>` is the site's banner and the other part the
 * page's name ("File system | Node.js v20.20.2 Documentation", whose `<h1>` is the banner).
 */
function withoutSiteName(pageTitle: string, headings: DomElement[]): string {
  const top = headings.filter((h) => h.nodeName === 'H1');
  const name = top.length === 1 ? cellText(top[0]) : '';
  const same = (part: string) => part.toLowerCase() === name.toLowerCase();
  if (!name || pageTitle.length <= name.length) return pageTitle;
  const head = pageTitle.slice(0, name.length);
  const tail = pageTitle.slice(-name.length);
  for (const separator of TITLE_SEPARATOR) {
    const rest =
      same(head) && pageTitle.startsWith(separator, name.length)
        ? { h1Part: head, other: pageTitle.slice(name.length + separator.length) }
        : same(tail) && pageTitle.endsWith(separator + tail)
          ? { h1Part: tail, other: pageTitle.slice(0, -(name.length + separator.length)) }
          : undefined;
    if (!rest) continue;
    const other = rest.other.trim();
    return headings.some((h) => cellText(h) === other) ? other : rest.h1Part;
  }
  return pageTitle;
}

/** What parts the links of a bar: `|`, `·`, `•`, and brackets around the whole. */
const BAR_SEPARATOR = /\s*[|·•]\s*/;

/**
 * The text without the lines that open or close it made of links alone, two or more, parted by
 * separators (`[ prev | next | top ]`): a navigation bar the page does not mark as one. Every page
 * groff writes opens with one, which became the first line of the page's first chunk. Within the
 * text such a line is content (Node.js's API pages list types so: `<number> | <bigint>`).
 */
function withoutLinkBars(text: string, document: DomDocument): string {
  // The page's link texts are read only when an end line is parted like a bar (most pages: never).
  let links: Set<string> | undefined;
  const isBar = (line: string) => {
    const parts = line
      .trim()
      .replace(/^\[\s*|\s*\]$/g, '')
      .split(BAR_SEPARATOR);
    if (parts.length < 2) return false;
    links ??= new Set(Array.from(document.querySelectorAll('a[href]')).map((a) => cellText(a)));
    return parts.every((part) => part && links!.has(part));
  };
  const lines = text.split('\n');
  let start = 0;
  let end = lines.length;
  const blank = (line: string) => line.trim() === '';
  while (start < end && (blank(lines[start]) || isBar(lines[start]))) start++;
  while (end > start && (blank(lines[end - 1]) || isBar(lines[end - 1]))) end--;
  return lines.slice(start, end).join('\n');
}

/**
 * Readability deletes the heading that repeats the page's title, and headings of other pages it
 * judges to be no content (a manual's `<h3>` above its first paragraph), which is the heading the
 * first section of the page belongs under: the page's first heading outside its navigation comes
 * back when the article's text has lost it.
 */
function withTitleHeading(text: string, headings: DomElement[]): string {
  const first = headings.find((h) => !isFurniture(h));
  const heading = first && cellText(first);
  if (!first || !heading || headingsOf(text).has(heading)) return text;
  return `${headingLine(first, heading)}\n\n${text}`;
}

/**
 * Absolute http(s) URLs of a page's links (`<a href>`), fragments dropped, `rel=nofollow` honoured.
 * None for a page over the HTML size limit: the crawler would skip that page anyway, and parsing it
 * here (on the caller's thread) is the slow step the limit exists for.
 */
export function linksOf(html: string, base: string): string[] {
  if (html.length > EXTRACTION_LIMITS.htmlBytes) return [];
  const document = parseHtmlDocument(html);
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

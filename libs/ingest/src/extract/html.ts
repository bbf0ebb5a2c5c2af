import { Readability } from '@mozilla/readability';
import { skipped, tidy, type Extraction } from './extraction';
import { EXTRACTION_LIMITS, mib } from './limits';
import { decodeText } from './text';

const DROPPED =
  'script, style, noscript, template, svg, nav, header, footer, aside, form, iframe, [hidden], [aria-hidden="true"], [role="navigation"]';
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

interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
}

interface DomElement extends DomNode {
  remove(): void;
}

interface DomDocument {
  body: DomNode | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  cloneNode(deep: boolean): unknown;
}

// linkedom declares its types as an ES module only; Node loads its CommonJS build here.
const { parseHTML } = require('linkedom') as { parseHTML: (html: string) => { document: DomDocument } };

/** The text of an element tree with `#` headings and paragraph breaks between blocks. */
function textWithHeadings(root: DomNode): string {
  const out: string[] = [];
  let line = '';
  const breakLine = () => {
    if (line.trim()) out.push(line.replace(/\s+/g, ' ').trim());
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
      out.push('', (node.textContent ?? '').replace(/\n+$/, ''), '');
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

/** Converts HTML that is already the content (a DOCX converted by mammoth) into text with headings. */
export function htmlFragmentToText(html: string): string {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  return document.body ? textWithHeadings(document.body) : '';
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
  for (const element of Array.from(document.querySelectorAll('script, style, noscript, template')))
    element.remove();
  let text = '';
  try {
    const article = new Readability(
      document.cloneNode(true) as ConstructorParameters<typeof Readability>[0],
      {
        charThreshold: 200,
        keepClasses: false,
      },
    ).parse();
    if (article?.content) text = htmlFragmentToText(article.content);
  } catch {
    // Readability gives up on some markup; the whole body below still holds the text.
  }
  if (!text) {
    for (const element of Array.from(document.querySelectorAll(DROPPED))) element.remove();
    if (document.body) text = textWithHeadings(document.body);
  }
  if (!text) return skipped('no text in the HTML page');
  const title = pageTitle || /^#\s+(.+)$/m.exec(text)?.[1];
  return { kind: 'extracted', format: 'html', title, text };
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

import * as path from 'node:path';
import { skipped, tidy, type Extraction } from './extraction';
import { parseHtmlDocument, textWithHeadings } from './html-text';
import { removeHidden } from './html-visibility';
import { dcTitle, openZipPackage } from './zip-package';
import type { ZipLimits } from './zip-parts';

/** What an EPUB's chapters mark as navigation: its table of contents, landmarks and page lists. */
const NAVIGATION = 'nav, [role="doc-toc"], [role="navigation"], [epub\\:type~="toc"]';

/**
 * An EPUB book (EPUB 2 and 3): its chapters in reading order (the package's spine, without the
 * parts it marks non-linear and its navigation document), each read as an HTML page is read
 * (headings, lists, tables; hidden elements and in-chapter tables of contents dropped), its title
 * from its metadata. Every part is inflated within the ZIP limits (`zipRefusal` first).
 */
export function extractEpub(bytes: Buffer, limits: ZipLimits): Extraction {
  const parts = openZipPackage(bytes, limits);
  if ('refusal' in parts) return skipped(parts.refusal);
  const packagePath = parts
    .xml('META-INF/container.xml')
    ?.getElementsByTagName('rootfile')[0]
    ?.getAttribute('full-path');
  const book = packagePath ? parts.xml(packagePath) : undefined;
  if (!packagePath || !book) return skipped('EPUB without a package document (META-INF/container.xml)');
  const items = new Map(
    Array.from(book.getElementsByTagName('item')).map((item) => [
      item.getAttribute('id'),
      {
        href: item.getAttribute('href') ?? '',
        type: item.getAttribute('media-type') ?? '',
        nav: /\bnav\b/.test(item.getAttribute('properties') ?? ''),
      },
    ]),
  );
  const chapters: string[] = [];
  for (const ref of Array.from(book.getElementsByTagName('itemref'))) {
    if (ref.getAttribute('linear') === 'no') continue;
    const item = items.get(ref.getAttribute('idref'));
    if (!item || item.nav || !/html/.test(item.type)) continue;
    const name = path.posix.join(path.posix.dirname(packagePath), hrefPath(item.href));
    const xhtml = parts.text(name);
    if (!xhtml) continue;
    const document = parseHtmlDocument(xhtml);
    removeHidden(document);
    for (const element of Array.from(document.querySelectorAll(NAVIGATION))) element.remove();
    if (document.body) chapters.push(textWithHeadings(document.body));
  }
  const text = tidy(chapters.join('\n\n'));
  if (!text) return skipped('no text in the EPUB book');
  return {
    kind: 'extracted',
    format: 'epub',
    title: dcTitle(book) ?? /^#{1,6}\s+(.+)$/m.exec(text)?.[1],
    text,
  };
}

/** A manifest href as a part's name: without its fragment, percent-escapes decoded when they are valid. */
function hrefPath(href: string): string {
  const file = href.split('#')[0];
  try {
    return decodeURIComponent(file);
  } catch {
    return file;
  }
}

import { escapeMarkdownLines, skipped, tableLines, tidy, type Extraction } from './extraction';
import type { XmlElement } from './html-text';
import { openZipPackage } from './zip-package';
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

/**
 * An OpenDocument text (LibreOffice Writer's .odt): headings at their outline level, paragraphs and
 * list items as blocks, tables as a row per line (cells parted by ` | `), footnotes after the
 * paragraph that cites them; tables of contents, indexes, comments and tracked deletions left
 * out. White space is read as ODF defines it (runs collapse; `text:s`, `text:tab` and
 * `text:line-break` are spaces, tabs and line breaks). The title is the document's metadata title,
 * else its first heading. Every part is inflated within the ZIP limits.
 */
export function extractOdt(bytes: Buffer, limits: ZipLimits): Extraction {
  const parts = openZipPackage(bytes, limits);
  if ('refusal' in parts) return skipped(parts.refusal);
  const part = parts.xml;
  const body = part('content.xml')?.getElementsByTagName('office:text')[0];
  if (!body) return skipped('OpenDocument file without text (content.xml)');
  const blocks: string[] = [];
  readBlocks(body, blocks);
  const text = tidy(blocks.join('\n\n'));
  if (!text) return skipped('no text in the document');
  const meta = part('meta.xml')
    ?.getElementsByTagName('dc:title')[0]
    ?.textContent?.replace(/\s+/g, ' ')
    .trim();
  return { kind: 'extracted', format: 'odt', title: meta || /^#{1,6}\s+(.+)$/m.exec(text)?.[1], text };
}

function readBlocks(element: XmlElement, blocks: string[]): void {
  for (const child of Array.from(element.children)) {
    const name = child.nodeName;
    if (LEFT_OUT.has(name)) continue;
    if (name === 'text:h') {
      const level = Math.min(Math.max(Number(child.getAttribute('text:outline-level')) || 1, 1), 6);
      const notes: string[] = [];
      const heading = inline(child, notes).replace(/\s+/g, ' ').trim();
      if (heading) blocks.push(`${'#'.repeat(level)} ${heading}`, ...notes);
    } else if (name === 'text:p') {
      const notes: string[] = [];
      const text = inline(child, notes).trim();
      if (text) blocks.push(escapeMarkdownLines(text));
      blocks.push(...notes);
    } else if (name === 'table:table') {
      blocks.push(
        tableLines(
          Array.from(child.getElementsByTagName('table:table-row')).map((row) =>
            Array.from(row.getElementsByTagName('table:table-cell')).map((cell) =>
              inline(cell, []).replace(/\s+/g, ' ').trim(),
            ),
          ),
        ),
      );
    } else if (CONTAINERS.has(name) || name.startsWith('text:')) {
      readBlocks(child, blocks);
    }
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

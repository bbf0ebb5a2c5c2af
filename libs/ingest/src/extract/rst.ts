import { escapeMarkdownLines, skipped, tidy, type Extraction } from './extraction';
import { decodeText, looksLikeText } from './text';

const ADORNMENT = /^([=\-~^"'`#*+_:.])\1{2,}\s*$/;

/**
 * reStructuredText: section titles (underlined, optionally overlined) become `#` headings, their
 * level given by the order in which each adornment style first appears, as docutils does.
 * Directives and comments are dropped; inline roles keep their text; a text line that begins like a
 * Markdown heading (`# ` in a literal block) is escaped.
 */
export function extractRst(bytes: Buffer): Extraction {
  if (!looksLikeText(bytes)) return skipped('binary content (not text)');
  const lines = decodeText(bytes).replace(/\r\n?/g, '\n').split('\n');
  const styles: string[] = [];
  const out: string[] = [];
  let title: string | undefined;
  let inDirective = false;
  const level = (style: string) => {
    if (!styles.includes(style)) styles.push(style);
    return styles.indexOf(style) + 1;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const next = lines[i + 1] ?? '';
    const after = lines[i + 2] ?? '';
    if (inDirective) {
      if (line.trim() === '' || /^\s/.test(line)) continue;
      inDirective = false;
    }
    if (/^\.\.\s/.test(line) || line.trim() === '..') {
      inDirective = true;
      continue;
    }
    // Overlined title: ===== / Title / =====
    if (ADORNMENT.test(line) && next.trim() && ADORNMENT.test(after) && after.trim()[0] === line.trim()[0]) {
      const heading = next.trim();
      out.push(`${'#'.repeat(Math.min(level(`over${line.trim()[0]}`), 6))} ${heading}`);
      title ??= heading;
      i += 2;
      continue;
    }
    if (
      line.trim() &&
      !/^\s/.test(line) &&
      ADORNMENT.test(next) &&
      next.trim().length >= line.trim().length
    ) {
      const heading = line.trim();
      out.push(`${'#'.repeat(Math.min(level(next.trim()[0]), 6))} ${heading}`);
      title ??= heading;
      i += 1;
      continue;
    }
    out.push(
      escapeMarkdownLines(line)
        .replace(/:[a-z:]+:`([^`<]*?)(?:\s*<[^>]*>)?`/g, '$1')
        .replace(/`([^`<]+?)\s*<[^>]+>`_+/g, '$1')
        .replace(/``([^`]+)``/g, '$1')
        .replace(/`([^`]+)`_*/g, '$1')
        .replace(/::\s*$/, ':'),
    );
  }
  const text = tidy(out.join('\n'));
  if (!text) return skipped('no text');
  return { kind: 'extracted', format: 'rst', title, text };
}

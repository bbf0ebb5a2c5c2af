import { escapeMarkdownLines, skipped, tidy, type Extraction } from './extraction';

/**
 * True when the bytes look like text rather than a binary format: no NUL bytes and few control
 * characters in the first 8 KiB, and valid UTF-8 (Latin-1 files are decoded leniently elsewhere).
 */
export function looksLikeText(bytes: Buffer): boolean {
  const sample = bytes.subarray(0, 8192);
  if (sample.length === 0) return false;
  let control = 0;
  for (const byte of sample) {
    if (byte === 0) return false;
    if (byte < 9 || (byte > 13 && byte < 32 && byte !== 27)) control++;
  }
  return control / sample.length < 0.02;
}

/** UTF-8 when valid (BOM dropped), otherwise Latin-1, which every byte sequence is. */
export function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** Plain text has no headings: a line that begins like a Markdown heading (`# comment`) is escaped. */
export function extractPlainText(bytes: Buffer): Extraction {
  if (!looksLikeText(bytes)) return skipped('binary content (not text)');
  const text = escapeMarkdownLines(tidy(decodeText(bytes)));
  if (!text) return skipped('no text');
  return { kind: 'extracted', format: 'text', text };
}

/** Markdown keeps its `#` headings; setext headings become `#` ones and front matter is dropped. */
export function extractMarkdown(bytes: Buffer): Extraction {
  if (!looksLikeText(bytes)) return skipped('binary content (not text)');
  let text = decodeText(bytes).replace(/\r\n?/g, '\n');
  let title: string | undefined;
  const front = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (front) {
    title = /^title:\s*["']?(.+?)["']?\s*$/m.exec(front[1])?.[1];
    text = text.slice(front[0].length);
  }
  text = text.replace(
    /^([^\n#>*\-\s][^\n]*)\n(=+|-+)[ \t]*$/gm,
    (_m, heading: string, rule: string) => `${rule.startsWith('=') ? '#' : '##'} ${heading.trim()}`,
  );
  text = tidy(text);
  if (!text) return skipped('no text');
  title ??= /^#\s+(.+)$/m.exec(text)?.[1]?.trim();
  return { kind: 'extracted', format: 'markdown', title, text };
}

/**
 * The text of a Markdown heading as a reader sees it: `[text](url)` and `[text][ref]` as their
 * text, images (a README's badges: `[![npm](…/badge.svg)](…)`) and HTML tags dropped, code spans
 * and emphasis without their marks. A heading path and a title are read as text, in hit
 * locations, the console and citations; on the READMEs of this project's own dependencies they
 * showed `` `@humanfs/node` `` and `@codemirror/language [![NPM version](https://img.shields.io/…)](…)`.
 */
export function inlineMarkdownText(markdown: string): string {
  const text = markdown
    // Images first (a badge is an image inside a link), then links, then reference links.
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/!\[[^\]]*\]\[[^\]]*\]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/<\/?[a-zA-Z][^>]*>/g, '')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/(\*\*|\*)(\S(?:.*?\S)?)\1/g, '$2')
    .replace(/\s+/g, ' ')
    .trim();
  // A heading that is only an image or a link to one keeps its words rather than becoming empty.
  return text || markdown.trim();
}

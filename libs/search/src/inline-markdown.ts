/**
 * The text of a Markdown heading as a reader sees it: `[text](url)` and `[text][ref]` as their
 * text, images (a README's badges: `[![npm](…/badge.svg)](…)`) and HTML tags dropped, code spans
 * and emphasis without their marks. A heading path and a title are read as text, in hit
 * locations, the console and citations; on the READMEs of this project's own dependencies they
 * showed `` `@humanfs/node` `` and `@codemirror/language [![NPM version](https://img.shields.io/…)](…)`.
 */
export function inlineMarkdownText(markdown: string): string {
  const text = withoutLinkMarkup(markdown)
    .replace(/!\[[^\]]*\]\[[^\]]*\]/g, '')
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/<\/?[a-zA-Z][^>]*>/g, '')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/(\*\*|\*)(\S(?:.*?\S)?)\1/g, '$2')
    .replace(/\s+/g, ' ')
    .trim();
  // A heading that is only an image or a link to one keeps its words rather than becoming empty.
  return text || markdown.trim();
}

/** An inline image, and an inline link with its text: both within one paragraph. */
const IMAGE = /!\[(?:[^[\]\n]|\n(?!\n))*\]\([^)\n]*\)/g;
const LINK = /\[((?:[^[\]\n]|\n(?!\n))*)\]\([^)\n]*\)/g;

/**
 * Text with Markdown's inline links as their text and its images (badges) gone, within a paragraph:
 * what a hit's shown chunk is read as, so a README's snippet says `Website | Docs` rather than
 * `[**WEBSITE**](https://codemirror.net/6/) | [**DOCS**](…)`, and the words of its URLs (`https`,
 * `github`) are no evidence for the passage. Any other text is returned as it is.
 */
export function withoutLinkMarkup(text: string): string {
  if (!text.includes('](')) return text;
  // Images first: a badge is an image inside a link, which then has no text left.
  // Link text may wrap onto the next line of its paragraph (`[code of\nconduct](…)`), not past it.
  return text.replace(IMAGE, '').replace(LINK, '$1');
}

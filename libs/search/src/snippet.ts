/**
 * Snippets travel as HTML-escaped text with `<em>` around matches (Elasticsearch's `html`
 * highlight encoder, Lucene's SimpleHTMLEncoder, and `escapeHtml` below for chunk text), which
 * suits a web page. People reading a terminal and agents reading MCP text get plain text.
 */
const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#x27;': "'",
  '&#x2F;': '/',
  '&#47;': '/',
};

/** The exact inverse of the two encoders above (nothing else is ever encoded in a snippet). */
export function plainText(html: string, mark: (match: string) => string = (m) => m): string {
  return html
    .replace(/<em>([\s\S]*?)<\/em>/g, (_all, inner: string) => mark(inner))
    .replace(/&(?:amp|lt|gt|quot|#39|#x27|#x2F|#47);/g, (entity) => ENTITIES[entity]);
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * Lines as their file shows them: extraction escapes a line of text that is not Markdown and begins
 * like a Markdown heading or code fence with a backslash, so that the chunker reads it as text
 * (`\# Send the email via our own SMTP server.`, a comment in a Python example); a snippet, which is
 * not Markdown, shows it without the backslash. The answer prompt, which is Markdown, keeps it.
 * The inverse of `escapeMarkdownLines` (libs/ingest/src/extract/extraction.ts): the extraction
 * worker imports nothing of this library and this library nothing of ingestion, so the two
 * patterns are kept in step by hand, and ingestion's `extract.spec` checks that this one undoes
 * exactly what that one writes.
 */
const ESCAPED_LINE = /(^|\n)\\(?=\\*(?:#{1,6}(?:[ \t]|$|\n)|[ \t]*(?:```|~~~)))/g;
export const unescapedLines = (text: string) => text.replace(ESCAPED_LINE, '$1');

/**
 * `text[from, to)` HTML-escaped with `<em>` around what `spans` (sorted, not overlapping) cover of
 * it: the marking both the search's and the live hits' fragments use.
 */
export function markSpans(
  text: string,
  spans: readonly (readonly [number, number])[],
  from = 0,
  to = text.length,
): string {
  let out = '';
  let at = from;
  for (const [start, end] of spans) {
    if (end <= from || start >= to) continue;
    out += escapeHtml(text.slice(at, Math.max(at, start)));
    out += `<em>${escapeHtml(text.slice(Math.max(start, from), Math.min(end, to)))}</em>`;
    at = Math.min(end, to);
  }
  return out + escapeHtml(text.slice(at, to));
}

/** At most `length` characters, cut at a word boundary when one is near, with an ellipsis. */
export function truncate(text: string, length: number): string {
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), length - 20))}…`;
}

const CHUNK_SNIPPET_LENGTH = 240;

/** The snippet of a hit found by meaning only: the start of its best-matching chunk, escaped. */
export function chunkSnippet(chunkText: string): string {
  return escapeHtml(truncate(unescapedLines(chunkText), CHUNK_SNIPPET_LENGTH));
}

import { escapeMarkdownLines, skipped, tidy, type Extraction } from './extraction';
import { decodeText } from './text';

/*
 * GNU Info, the format makeinfo and texi2any write from Texinfo (every manual under
 * /usr/share/info), read by its specification ("Info Format Specification" in the Texinfo
 * manual). No maintained reader exists for Node, and the `info` program only prints the same
 * text with the same markers, so the format's few rules are kept here.
 */

/** The node separator: every part of the file after the preamble starts with it. */
// eslint-disable-next-line no-control-regex -- Info's markup is control characters
const SEPARATOR = /\x1f\f?\n/;
/**
 * What marks a file as Info, whoever wrote it (makeinfo, texi2any, older converters): a node
 * header after a separator, or a split manual's table of its parts.
 */
// eslint-disable-next-line no-control-regex -- Info's markup is control characters
const INFO_STRUCTURE = /\x1f\f?\n(?:File: [^\n]*\bNode: |Indirect:\n)/;
/** Heading underlines by level: chapter `*`, section `=`, subsection `-`, subsubsection `.`. */
const UNDERLINE = /^([*=\-.])\1{2,}$/;
const LEVELS: Record<string, number> = { '*': 1, '=': 2, '-': 3, '.': 4 };
/** An image or index marker, `\0\b[image src="x.png"\0\b]`: readers show its alternate text or nothing. */
// eslint-disable-next-line no-control-regex -- Info's markup is control characters
const MARKER = /\0\x08\[([^\0]{0,2000})\0\x08\]/g;

/** Whether a file is an Info manual, or one part of a split one (`find.info-1`). */
export function isInfo(bytes: Buffer): boolean {
  return INFO_STRUCTURE.test(bytes.subarray(0, 64 * 1024).toString('latin1'));
}

/**
 * An Info manual's nodes as one text: each node's headings (underlined titles) become `#` headings
 * of their level, and what a reader navigates by is dropped: the preamble (copying permissions and
 * the directory entry, which the Top node repeats), node header lines, menus (an index node is all
 * menu), the tag table and the local variables. Cross references read as a reader shows them
 * (`*Note Sorting::` is "See Sorting"). The title is the Top node's heading (its manual's name
 * when it has none); a part of a split manual without the Top node takes its manual's name and
 * its first chapter. The index file of a split manual holds no text of its own and is skipped,
 * naming the parts that do.
 */
export function extractInfo(bytes: Buffer): Extraction {
  const [, ...parts] = decodeText(bytes).replace(/\r\n?/g, '\n').split(SEPARATOR);
  const out: string[] = [];
  let manual: string | undefined;
  let top: string | undefined;
  let first: string | undefined;
  let words = false;
  for (const part of parts) {
    const header = /^File: *([^,\n]+),[^\n]*\bNode: *([^,\n\x7f]+|\x7f[^\x7f]*\x7f)[^\n]*\n/.exec(part);
    if (!header) {
      const indirect = /^Indirect:\n([\s\S]*)/.exec(part);
      if (indirect && !out.length) {
        const names = [...indirect[1].matchAll(/^([^:\n]+): *\d+$/gm)].map((m) => m[1]);
        if (names.length)
          return skipped(`the index of a split Info manual; its parts hold the text (${names.join(', ')})`);
      }
      continue;
    }
    manual ??= header[1].trim();
    const node = readNode(part.slice(header[0].length));
    if (header[2].replace(/\x7f/g, '').trim() === 'Top') top ??= node.headings[0]?.text ?? manual;
    first ??= node.headings.find((h) => h.level === 1)?.text ?? node.headings[0]?.text;
    out.push(node.text);
    words ||= node.words;
  }
  const text = tidy(out.join('\n\n'));
  if (!words) return skipped('no text (an Info file of menus only)');
  const title = top ?? (manual && first ? `${manual}: ${first}` : (first ?? manual));
  return { kind: 'extracted', format: 'info', title, text };
}

interface Heading {
  level: number;
  text: string;
}

/**
 * One node's body: its headings marked, its menu dropped. A chapter's node often holds only its
 * heading and a menu: the heading stays, as the parent of its sections' headings.
 */
function readNode(body: string): { text: string; headings: Heading[]; words: boolean } {
  const lines = body
    .replace(MARKER, (_marker, inner: string) => altText(inner))
    .replace(/\0/g, '')
    .split('\n');
  const menu = lines.findIndex((line) => /^\* Menu:/.test(line));
  if (menu >= 0) lines.length = menu;
  const headings: Heading[] = [];
  const out: string[] = [];
  let words = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const under = UNDERLINE.exec(lines[i + 1] ?? '');
    if (under && isHeading(line, lines[i + 1])) {
      const heading = { level: LEVELS[under[1]], text: crossReferences(line.trim()) };
      headings.push(heading);
      out.push(`${'#'.repeat(heading.level)} ${heading.text}`);
      i++;
      continue;
    }
    if (line.trim()) words = true;
    out.push(escapeMarkdownLines(line));
  }
  return { text: crossReferences(out.join('\n')), headings, words };
}

/** A title line: text at the margin, underlined to its width (a character or two either way for wide characters). */
function isHeading(line: string, underline: string): boolean {
  const text = line.trimEnd();
  return !!text && !/^\s/.test(text) && Math.abs([...text].length - underline.length) <= 2;
}

/** An image's alternate text (`text="..."` or `alt="..."`), or nothing for an index marker. */
function altText(marker: string): string {
  const alt = /\b(?:alt|text)="((?:[^"\\]|\\.)*)"/.exec(marker);
  return alt ? alt[1].replace(/\\(.)/g, '$1') : '';
}

/**
 * Cross references as a reader of the printed manual reads them: `*Note Sorting::` (Texinfo's
 * @xref, opening a sentence) is "See Sorting", `(*note Sorting::)` (@pxref) "(see Sorting)", and
 * any other `*note` (@ref, inside a sentence) only its label. `*note Label: (manual)Node.` shows
 * its label; the period or comma that ends it stays unless makeinfo added it where the sentence
 * goes on (`basic. and`, `works.)`). A reference may break across lines; DEL quotes are dropped.
 * Every part of a reference is at most 500 characters, so a file of unclosed `*note`s is read in
 * linear time.
 */
function crossReferences(text: string): string {
  const see = (before: string, n: string) => (n === 'N' ? 'See ' : before === '(' ? 'see ' : '');
  return text
    .replace(
      /(^|[^])\*([Nn])ote[ \n]+(\x7f[^\x7f]{0,500}\x7f|[^:]{1,500}?)::/g,
      (_ref, before: string, n: string, name: string) => `${before}${see(before, n)}${name}`,
    )
    .replace(
      /(^|[^])\*([Nn])ote[ \n]+([^:]{1,500}?):[ \n]*(?:\([^)\n]{0,500}\))?(?:\x7f[^\x7f]{0,500}\x7f|[^.,\x7f]{0,500}?)([.,])(?=(\)|[ \n]+[a-z])?)/g,
      (_ref, before: string, n: string, label: string, stop: string, goesOn?: string) =>
        `${before}${see(before, n)}${label}${stop === '.' && goesOn ? '' : stop}`,
    )
    .replace(/\x7f/g, '');
}

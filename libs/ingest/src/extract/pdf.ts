import { getDocumentProxy } from 'unpdf';
import { escapeMarkdownLines, skipped, tidy, type Extraction } from './extraction';
import type { ExtractionLimits } from './limits';

type PdfLimits = Pick<ExtractionLimits, 'pdfPages' | 'maxChars'>;
type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/** PDF.js' `VerbosityLevel.ERRORS`. */
const PDFJS_ERRORS_ONLY = 0;

interface TextItem {
  str?: string;
  hasEOL?: boolean;
  height?: number;
  /** How far it advances along its baseline, in PDF units. */
  width?: number;
  /** Its text matrix: `[4]` and `[5]` are where its baseline starts, in PDF units. */
  transform?: number[];
}

interface Line {
  text: string;
  /** Height of the line's largest glyphs, in PDF units. */
  size: number;
  /** Characters set at each size, for the body's size. */
  sizes: Map<number, number>;
  /** Its baseline, in PDF units up from the page's bottom (when PDF.js gives one). */
  y?: number;
}

interface Heading {
  title: string;
  level: number;
  /** How far up its page the outline entry points (PDF units), when its destination says. */
  top?: number;
}

/** Outline entries read: an outline is a tree a file can make as large as it likes. */
const OUTLINE_ENTRIES = 5_000;
/**
 * How far above where an outline entry points its heading's baseline may be, in PDF units: a
 * destination points at the heading's top or just above it, rarely a little into it.
 */
const HEADING_REACH = 24;
/** A line set this much larger than the body text is a heading, when the PDF has no outline. */
const HEADING_SCALE = 1.2;
/** Longer lines are text set large (a pull quote, a banner), not headings. */
const HEADING_CHARS = 150;
/** Metadata titles that producers write in place of one. */
const PLACEHOLDER_TITLE =
  /^(untitled|document\d*|microsoft (word|powerpoint) - .*|.*\.(docx?|pdf|odt|tex|dvi))$/i;

const normalised = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * A PDF: the text of every page, pages separated by form feeds, with the document's own structure
 * as `#` headings: the entries of its outline (bookmarks) on the pages they point to, or, without
 * an outline, the lines set clearly larger than the body text. A text line that merely begins with
 * `#` is text and is escaped. The title is the metadata's, else the first heading. Runs in the
 * extraction worker (PDF.js is an ES module that unpdf imports dynamically, which plain Node does).
 * The page count is checked before any page is read, pages are read one at a time (unpdf's
 * extractText reads them all at once), and reading stops as soon as the text outgrows a document.
 */
export async function extractPdf(bytes: Buffer, limits: PdfLimits): Promise<Extraction> {
  let pdf: PdfDocument;
  try {
    // Errors only: PDF.js warns on stderr of every font it cannot fully read (1,907 lines for 230 TeX
    // Live manuals whose text it read), which buried the ingest's own output.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: PDFJS_ERRORS_ONLY });
  } catch (error) {
    const message = String((error as Error)?.message ?? error);
    return skipped(
      /password/i.test(message) ? 'encrypted PDF (needs a password)' : `unreadable PDF: ${message}`,
    );
  }
  try {
    if (pdf.numPages > limits.pdfPages)
      return skipped(`PDF has ${pdf.numPages} pages, more than the limit of ${limits.pdfPages}`);
    const pages: Line[][] = [];
    let characters = 0;
    for (let number = 1; number <= pdf.numPages; number++) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      page.cleanup();
      const lines = linesOf(content.items as TextItem[]);
      characters += lines.reduce((sum, line) => sum + line.text.length + 1, 0) + (number > 1 ? 2 : 0);
      if (characters > limits.maxChars)
        return skipped(
          `PDF has more than ${limits.maxChars} characters of text (by page ${number}), more than a document may hold`,
        );
      pages.push(lines);
    }
    if (!pages.some((lines) => lines.length))
      return skipped(`PDF of ${pdf.numPages} pages without a text layer (scanned images need OCR)`);
    const outline = await outlineByPage(pdf);
    const body = bodySize(pages);
    const pageLabels = await printedPageNumbers(pdf);
    const content = withoutLineEndHyphens(
      withComposedAccents(withoutRunningLines(pages, (index) => pageLabels?.[index] ?? String(index + 1))),
    );
    const { texts, firstHeading } = outline.size
      ? withOutlineHeadings(content, outline)
      : withLargeTextHeadings(content, body);
    const title = (await metadataTitle(pdf)) ?? titleLine(pages[0], body) ?? firstHeading;
    return {
      kind: 'extracted',
      format: 'pdf',
      title,
      text: texts.join('\n\f'),
      pages: pdf.numPages,
      ...(pageLabels ? { pageLabels } : {}),
    };
  } catch (error) {
    return skipped(`unreadable PDF: ${String((error as Error)?.message ?? error)}`);
  } finally {
    await pdf.loadingTask.destroy().catch(() => undefined);
  }
}

/** Lines this close to a page's top or bottom may be its running head or foot. */
const EDGE_LINES = 2;
/** Pages a line must head or foot (its numbers aside) to be page furniture rather than text. */
const RUNNING_PAGES = 3;

/**
 * A line with its numbers as one mark, a number it starts with moved to its end: page 17's
 * running head is page 18's, and an odd page's "13 Introduction" is an even page's "Introduction
 * 14". A line without a number ("Introduction", a title or a heading) keys apart from them.
 */
function runningKey(text: string): string {
  const marked = text
    .replace(/\d+/g, '#')
    .replace(/\b[ivxlc]{1,6}\b/gi, '#')
    .replace(/\s+/g, ' ')
    .trim();
  const [, leading, rest] = /^(# )?(.*)$/.exec(marked)!;
  return leading && rest ? `${rest} #` : marked;
}

/** Whether a line starts or ends with `number` (the page's own printed number) as a word. */
const showsNumber = (text: string, number: string) =>
  text === number || text.startsWith(`${number} `) || text.endsWith(` ${number}`);

/**
 * Pages without their running heads and feet: a line among the first or last two of a page that
 * heads or foots at least three pages, numbers aside (`LS(1) User Commands LS(1)`, `Page 3 of
 * 12`), or two when it carries the page's own printed number (a chapter of two pages: `Chapter 2:
 * ASN.1 structure handling 3`). Set on every page by the typesetter, they are not the document's
 * text: they began chunks and snippets (a man page printed to PDF, every page of a specification)
 * and counted their words once a page. The title is read before they go.
 */
function withoutRunningLines(pages: Line[][], printed: (page: number) => string): Line[][] {
  const edge = (lines: Line[], i: number) => i < EDGE_LINES || i >= lines.length - EDGE_LINES;
  const pagesOf = new Map<string, number>();
  for (const lines of pages) {
    const keys = new Set(lines.filter((_, i) => edge(lines, i)).map((line) => runningKey(line.text)));
    for (const key of keys) pagesOf.set(key, (pagesOf.get(key) ?? 0) + 1);
  }
  return pages.map((lines, index) =>
    lines.filter((line, i) => {
      if (!edge(lines, i)) return true;
      const recurs = pagesOf.get(runningKey(line.text)) ?? 0;
      return recurs < (showsNumber(line.text, printed(index)) ? 2 : RUNNING_PAGES);
    }),
  );
}

/** Spacing accents, as a font without accented letters draws them, and the marks they stand for. */
const SPACING_ACCENTS: Record<string, string> = {
  '\u00B4': '\u0301', // ´ acute
  '\u0060': '\u0300', // ` grave (a backtick: only in a document whose other accents are drawn so)
  '\u02CB': '\u0300', // ˋ grave
  '\u02C6': '\u0302', // ˆ circumflex
  '\u02DC': '\u0303', // ˜ tilde
  '\u00AF': '\u0304', // ¯ macron
  '\u02D8': '\u0306', // ˘ breve
  '\u02D9': '\u0307', // ˙ dot above
  '\u00A8': '\u0308', // ¨ diaeresis
  '\u02DA': '\u030A', // ˚ ring above
  '\u02DD': '\u030B', // ˝ double acute
  '\u02C7': '\u030C', // ˇ caron
  '\u00B8': '\u0327', // ¸ cedilla
  '\u02DB': '\u0328', // ˛ ogonek
};
const BACKTICK = '\u0060';

/** `letter` with `accent` as one precomposed letter (a dotless i takes its accent in place of its dot), if Unicode has one. */
function composed(letter: string | undefined, accent: string): string | undefined {
  if (!letter || !/^\p{L}$/u.test(letter)) return undefined;
  const base = letter === '\u0131' ? 'i' : letter === '\u0237' ? 'j' : letter;
  const one = (base + SPACING_ACCENTS[accent]).normalize('NFC');
  return [...one].length === 1 ? one : undefined;
}

/**
 * Pages with accents that a TeX font without accented letters drew apart from their letter (Computer
 * Modern's OT1: "esth´etiques", "L¨uck", and Czech fonts' "Olsˇa´k") made one letter again
 * ("esthétiques", "Lück", "Olšák"), as pdftotext reads them: a word so drawn was found by no search
 * for it. An accent joins the letter it makes a letter of Unicode with; where it would with either
 * neighbour, the one the document's unambiguous accents take (TeX's \accent draws it before its
 * letter, which is taken when they do not tell; some fonts draw it after). An accent beside no letter it composes with (a tilde over a symbol) is
 * left as drawn, as is a backtick in a document with no other accent drawn so.
 */
function withComposedAccents(pages: Line[][]): Line[][] {
  const spacing = (c: string) => c in SPACING_ACCENTS;
  let [before, after, either] = [0, 0, 0];
  for (const line of pages.flat()) {
    const chars = [...line.text];
    chars.forEach((c, i) => {
      if (!spacing(c) || c === BACKTICK) return;
      const [next, previous] = [composed(chars[i + 1], c), composed(chars[i - 1], c)];
      if (next && previous) either++;
      else if (next) before++;
      else if (previous) after++;
    });
  }
  if (!before && !after && !either) return pages;
  const accentFirst = before >= after;
  return pages.map((lines) =>
    lines.map((line) => {
      const chars = [...line.text];
      if (!chars.some(spacing)) return line;
      const out: string[] = [];
      for (let i = 0; i < chars.length; i++) {
        const c = chars[i];
        if (!spacing(c)) {
          out.push(c);
          continue;
        }
        const next = composed(chars[i + 1], c);
        const previous = out.length ? composed(out[out.length - 1], c) : undefined;
        if (next && (!previous || accentFirst)) {
          out.push(next);
          i++;
        } else if (previous) out[out.length - 1] = previous;
        else out.push(c);
      }
      return { ...line, text: out.join('') };
    }),
  );
}

/**
 * A line ending in part of a word and a hyphen (or a soft hyphen): small letters, a capital first
 * or not. A name such as `YYMMDDhhmm-` (libtasn1's `"YYMMDDhhmm-hh'mm'"`) is no word a typesetter breaks.
 */
const BROKEN_WORD = /(?<![\p{L}\p{N}])(\p{Lu}?\p{Ll}+)([-\u00AD\u2010])$/u;
/** A line starting with the rest of a word (a small letter first), then what ends it up to a space. */
const WORD_REST = /^(\p{Ll}[\p{L}\p{M}]*)(\S*)\s*/u;
/** Lines whose sizes differ by this factor are not one paragraph (a heading and its text). */
const SAME_TEXT_SCALE = 1.2;

/**
 * Pages with words that the typesetter broke across two lines made whole again ("improve-" /
 * "ments;" becomes "improvements;" on the first line): a typeset PDF (TeX's, a justified word
 * processor's) hyphenates, and a broken word is found by no search for it and shown as two. The
 * hyphen stays when the document writes that compound elsewhere and never the joined word
 * ("self-" / "contained" where "self-contained" occurs); a soft hyphen always goes. A part of one
 * letter, or one with a capital after its first letter, is left as it is ("e-" / "mail", "PDF-" /
 * "based": no typesetter breaks there), as are lines of different sizes. Across a page break the
 * rest of the word moves up to the earlier page.
 */
function withoutLineEndHyphens(pages: Line[][]): Line[][] {
  const words = new Set<string>();
  for (const line of pages.flat())
    for (const [word] of line.text.toLowerCase().matchAll(/\p{L}+(?:-\p{L}+)*/gu)) words.add(word);
  const out = pages.map((lines) => lines.map((line) => ({ ...line })));
  const positions = out.flatMap((lines, page) => lines.map((_, index) => ({ page, index })));
  for (let at = 0; at + 1 < positions.length; at++) {
    const line = out[positions[at].page][positions[at].index];
    const next = out[positions[at + 1].page][positions[at + 1].index];
    const broken = BROKEN_WORD.exec(line.text);
    const rest = broken && WORD_REST.exec(next.text);
    if (!broken || !rest || broken[1].length < 2 || rest[1].length < 2) continue;
    if (Math.max(line.size, next.size) > SAME_TEXT_SCALE * Math.min(line.size, next.size)) continue;
    const [head, tail] = [broken[1].toLowerCase(), rest[1].toLowerCase()];
    const keep = broken[2] !== '\u00AD' && words.has(`${head}-${tail}`) && !words.has(head + tail);
    line.text = line.text.slice(0, keep ? undefined : -1) + rest[1] + rest[2];
    next.text = next.text.slice(rest[0].length);
  }
  return out.map((lines) => lines.filter((line) => line.text));
}

/** A baseline this far (in glyph heights) from the line's is a new line, whatever PDF.js marked. */
const NEW_LINE_RISE = 0.6;
/** The same text drawn again within this much (in glyph heights) is one text, set bold or shadowed. */
const OVERPRINT_OFFSET = 0.25;
/**
 * Text that ends this far (in glyph heights) to the left of where the text drawn before it starts
 * is a line of its own: a margin note drawn after the line it stands beside. Right-to-left text,
 * drawn word by word from the right, ends where the word before it starts, or a word space away.
 */
const SET_BACK = 2;
/** A gap this wide (in glyph heights) between two texts on a line is a word space, drawn or not. */
const WORD_GAP = 0.5;

const originOf = (item: TextItem) => ({ x: item.transform?.[4], y: item.transform?.[5] });

/**
 * Whether `item` draws `before`'s text again on top of it: a typesetter's shadow or fake bold (a
 * manual's title letters drawn eleven times half a point apart), which is one text to a reader.
 */
function overprints(item: TextItem, before: TextItem | undefined): boolean {
  if (!before || !item.str?.trim() || item.str !== before.str) return false;
  const [a, b] = [originOf(item), originOf(before)];
  if (a.x === undefined || a.y === undefined || b.x === undefined || b.y === undefined) return false;
  const near = OVERPRINT_OFFSET * Math.max(item.height ?? 0, before.height ?? 0);
  return Math.abs(a.x - b.x) <= near && Math.abs(a.y - b.y) <= near;
}

/**
 * A page's text items as lines, blank lines dropped. A line ends where PDF.js marks its end, where
 * the next text sits on another baseline (a title page's lines are often drawn without a mark
 * between them, and ran together into one: "For version 2.85symptote"), and where it is set back
 * to the left of where the line got to: a margin note drawn after the line it stands beside
 * ("takes a\NodetreeRegisterCallback", nodetree's manual, `SET_BACK`). Texts a word space or
 * more apart on a line, either way, are parted by a space, whether or not the PDF draws one.
 */
function linesOf(items: TextItem[]): Line[] {
  const lines: Line[] = [];
  let current: Line = { text: '', size: 0, sizes: new Map() };
  let drawn: TextItem | undefined;
  /** Where the line's last drawn text starts and ends along the baseline. */
  let last: { start: number; end: number } | undefined;
  const end = () => {
    const text = current.text.replace(/\s+/g, ' ').trim();
    if (text) lines.push({ ...current, text });
    current = { text: '', size: 0, sizes: new Map() };
    last = undefined;
  };
  for (const item of items) {
    if (item.str == null || overprints(item, drawn)) continue;
    const size = Math.round((item.height ?? 0) * 10) / 10;
    const { x, y } = originOf(item);
    if (item.str.trim() && size > 0) {
      const rise = current.y === undefined || y === undefined ? 0 : Math.abs(y - current.y);
      const em = Math.max(size, current.size);
      if (current.text.trim() && rise > NEW_LINE_RISE * em) end();
      else if (current.text.trim() && x !== undefined && last && item.width !== undefined) {
        const forward = x - last.end;
        const back = last.start - (x + item.width);
        if (back > SET_BACK * em) end();
        else if (
          Math.max(forward, back) > WORD_GAP * em &&
          !/\s$/.test(current.text) &&
          !/^\s/.test(item.str)
        )
          current.text += ' ';
      }
      last = x === undefined || item.width === undefined ? undefined : { start: x, end: x + item.width };
      drawn = item;
      current.y ??= y;
      current.size = Math.max(current.size, size);
      current.sizes.set(size, (current.sizes.get(size) ?? 0) + item.str.length);
    }
    current.text += item.str;
    if (item.hasEOL) end();
  }
  end();
  return lines;
}

/** The numbers printed on the pages (the PDF's /PageLabels), one per page, when they are not the pages' own. */
async function printedPageNumbers(pdf: PdfDocument): Promise<string[] | undefined> {
  try {
    const labels = await pdf.getPageLabels();
    return labels?.length === pdf.numPages && labels.some((label, index) => label !== String(index + 1))
      ? labels
      : undefined;
  } catch {
    // Labels only name pages; a malformed label tree leaves the physical numbers.
    return undefined;
  }
}

/** The outline's entries by 0-based page index, in outline order, each with its depth as level. */
async function outlineByPage(pdf: PdfDocument): Promise<Map<number, Heading[]>> {
  const byPage = new Map<number, Heading[]>();
  let outline: Awaited<ReturnType<PdfDocument['getOutline']>> | null;
  try {
    outline = await pdf.getOutline();
  } catch {
    return byPage;
  }
  let read = 0;
  const visit = async (entries: typeof outline, level: number): Promise<void> => {
    for (const entry of entries ?? []) {
      if (++read > OUTLINE_ENTRIES) return;
      const title = entry.title?.replace(/\s+/g, ' ').trim();
      const target = await targetOf(pdf, entry.dest);
      if (title && target) {
        const headings = byPage.get(target.page) ?? [];
        headings.push({
          title,
          level: Math.min(level, 6),
          ...(target.top === undefined ? {} : { top: target.top }),
        });
        byPage.set(target.page, headings);
      }
      await visit(entry.items, level + 1);
    }
  };
  await visit(outline, 1);
  return byPage;
}

/** Where a destination's `top` argument is, by its kind (PDF 32000-1, 12.3.2.2). */
const TOP_ARGUMENT: Record<string, number> = { XYZ: 3, FitH: 2, FitBH: 2, FitR: 5 };

/** The page an outline entry points to (0-based), and how far up it when the destination says. */
async function targetOf(
  pdf: PdfDocument,
  dest: string | unknown[] | null,
): Promise<{ page: number; top?: number } | undefined> {
  try {
    const explicit = typeof dest === 'string' ? await pdf.getDestination(dest) : dest;
    const target = explicit?.[0] as Parameters<PdfDocument['getPageIndex']>[0] | number | undefined;
    if (target == null) return undefined;
    const page = typeof target === 'number' ? target : await pdf.getPageIndex(target);
    const kind = (explicit?.[1] as { name?: string } | undefined)?.name ?? '';
    const top = explicit?.[TOP_ARGUMENT[kind] ?? -1];
    return typeof top === 'number' ? { page, top } : { page };
  } catch {
    return undefined;
  }
}

/**
 * A heading's number as a page sets it before its title and an outline may leave out: `2.1`,
 * `A.3.`, `IV`, `Chapter 3:`, `Appendix B.`
 */
const SECTION_NUMBER =
  /^(?:(?:chapter|section|part|appendix)\s+)?(?:\d+|[a-z]|[ivxlc]+)(?:[.-](?:\d+|[a-z]))*[.:)]?\s+(?=\S)/i;

const unnumbered = (text: string) => text.replace(SECTION_NUMBER, '');

/**
 * Whether the outline's `word` is the page's `own` word misspelt by the outline: the same letters
 * after the characters the outline put in place of one or two of the page's (nodetree's manual
 * has the entry "3.1 `78odetreeRegisterCallback", TeX's code for an N, for the line "3.1
 * \NodetreeRegisterCallback"). Only the outline's word may carry the extra characters, so a
 * footnote mark glued to the page's word ("Loading1" of "Loading") is still not the same word.
 */
function misspelt(word: string, own: string): boolean {
  const letters = word.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  return (
    letters !== word &&
    letters.length >= 4 &&
    own.length - letters.length <= 2 &&
    (own.endsWith(letters) || own.startsWith(letters))
  );
}

/**
 * Whether `line` is the numbered heading `wanted` in the page's own words: the same section number,
 * and each of the outline's other words either on the line, wrapped around one of the line's
 * (markup the outline kept: groff's pdfmark manual has the entry "2.1. The F[C]pdfmarkF[]
 * Operator", a font change that lost its backslash, for the line "2.1. The pdfmark Operator"), or
 * one of the line's misspelt (`misspelt`). The line may say more ("2.1 Package Loading and
 * Options" of "2.1 Loading and Options"), never less or otherwise: a glyph the page cannot map, a
 * footnote mark glued to a word.
 */
function sameNumberedHeading(line: string, wanted: string): boolean {
  const number = SECTION_NUMBER.exec(wanted)?.[0].trim();
  if (!number || SECTION_NUMBER.exec(line)?.[0].trim() !== number) return false;
  const words = new Set(unnumbered(line).split(' '));
  return unnumbered(wanted)
    .split(' ')
    .every(
      (word) =>
        words.has(word) ||
        [...words].some((own) => (own.length > 1 && word.includes(own)) || misspelt(word, own)),
    );
}

/**
 * Where on `lines` (from `from` on) the heading `wanted` is set, and over how many lines: the
 * same words, or the same words after a section number on either side (a GNU manual's outline
 * says "UNIX binary distributions" of the line "2.1 UNIX binary distributions"), on one line or
 * wrapped onto the next; else a line from `from` to `near` (where the entry points) that is the
 * same numbered heading in other words (`sameNumberedHeading`).
 */
function headingAt(
  lines: Line[],
  wanted: string,
  from: number,
  near: number,
): { at: number; span: number } | undefined {
  const bare = unnumbered(wanted);
  const matches = (text: string) => {
    const line = normalised(text);
    return line === wanted || (bare.length > 0 && unnumbered(line) === bare);
  };
  for (let at = from; at < lines.length; at++) {
    if (matches(lines[at].text)) return { at, span: 1 };
    if (at + 1 < lines.length && matches(`${lines[at].text} ${lines[at + 1].text}`)) return { at, span: 2 };
  }
  for (let at = from; at < lines.length && at <= near; at++)
    if (sameNumberedHeading(normalised(lines[at].text), wanted)) return { at, span: 1 };
  return undefined;
}

/** The first line from `from` on whose baseline is below `top`: where a destination points. */
function lineBelow(lines: Line[], top: number, from: number): number {
  for (let at = from; at < lines.length; at++) if ((lines[at].y ?? top) < top) return at;
  return lines.length;
}

/**
 * Each outline entry becomes the heading line it names on its page, in outline order: the line
 * set with those words (`headingAt`) at or below where the entry points, else a heading line of
 * its own where the entry points (or after the page's previous heading, when it does not say).
 * The page's own wording of a found line is kept, its section number with it.
 */
function withOutlineHeadings(pages: Line[][], outline: Map<number, Heading[]>) {
  let firstHeading: string | undefined;
  const texts = pages.map((lines, index) => {
    /** By line index: the headings that line opens (and whether it is their text). */
    const openers = new Map<number, { headings: Heading[]; spans?: number }>();
    const open = (at: number, heading: Heading, span?: number) => {
      const opener = openers.get(at) ?? { headings: [] };
      opener.headings.push(heading);
      if (span) opener.spans = span;
      openers.set(at, opener);
    };
    let from = 0;
    for (const heading of outline.get(index) ?? []) {
      firstHeading ??= heading.title;
      const pointed = heading.top === undefined ? from : lineBelow(lines, heading.top + HEADING_REACH, from);
      const below =
        heading.top === undefined ? pointed : lineBelow(lines, heading.top - HEADING_REACH, pointed);
      const found = headingAt(lines, normalised(heading.title), pointed, below);
      if (found && !openers.get(found.at)?.spans) {
        const title = lines
          .slice(found.at, found.at + found.span)
          .map((line) => line.text)
          .join(' ');
        open(found.at, { ...heading, title }, found.span);
        from = found.at + found.span;
      } else {
        const at = heading.top === undefined ? from : Math.max(from, lineBelow(lines, heading.top, from));
        open(at, heading);
        from = at;
      }
    }
    const out: string[] = [];
    for (let i = 0; i <= lines.length; i++) {
      const opener = openers.get(i);
      for (const h of opener?.headings ?? []) out.push(`\n${'#'.repeat(h.level)} ${h.title}\n`);
      if (opener?.spans) i += opener.spans - 1;
      else if (i < lines.length) out.push(escapeMarkdownLines(lines[i].text));
    }
    return tidy(out.join('\n'));
  });
  return { texts, firstHeading };
}

/** The size most characters are set in: the body text's. */
function bodySize(pages: Line[][]): number {
  const characters = new Map<number, number>();
  for (const line of pages.flat())
    for (const [size, count] of line.sizes) characters.set(size, (characters.get(size) ?? 0) + count);
  return [...characters].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
}

/** Dots in a row, spaced or not: a leader to a page number, which no heading has. */
const DOT_LEADER = /(?:\s?\.){4,}/;

/**
 * A line set clearly larger than the body: a heading, unless it is a contents entry (dvips'
 * manual sets its chapters' entries, "1 Why use Dvips? . . . . 1", a little larger).
 */
const isLarge = (line: Line, body: number) =>
  body > 0 &&
  line.size >= body * HEADING_SCALE &&
  line.text.length <= HEADING_CHARS &&
  /\p{L}/u.test(line.text) &&
  !DOT_LEADER.test(line.text);

/** Of a title page's large lines, those this close to the largest may be its title. */
const TITLE_SCALE = 0.8;

/**
 * A title page's title: the first of its lines set larger than the body and nearly as large as its
 * largest (a logo or a cover word may be set larger still, below the title), with the lines after
 * it at its size (a title that wraps).
 */
function titleLine(lines: Line[] | undefined, body: number): string | undefined {
  const large = (lines ?? []).filter((line) => isLarge(line, body));
  const largest = Math.max(0, ...large.map((line) => line.size));
  const first = (lines ?? []).findIndex((line) => isLarge(line, body) && line.size >= largest * TITLE_SCALE);
  if (first < 0) return undefined;
  const title = [lines![first].text];
  for (let at = first + 1; at < lines!.length && lines![at].size === lines![first].size; at++)
    title.push(lines![at].text);
  const text = title.join(' ');
  return text.length <= HEADING_CHARS ? text : lines![first].text;
}

/**
 * Without an outline, lines set clearly larger than the body (the size most characters have) are
 * headings: the largest size is level 1, the next level 2, and so on; consecutive lines of the same
 * heading size are one heading that wrapped.
 */
function withLargeTextHeadings(pages: Line[][], body: number) {
  const isHeading = (line: Line) => isLarge(line, body);
  const headingSizes = [
    ...new Set(
      pages
        .flat()
        .filter(isHeading)
        .map((line) => line.size),
    ),
  ].sort((a, b) => b - a);
  let firstHeading: string | undefined;
  const texts = pages.map((lines) => {
    const out: string[] = [];
    let previous: { size: number; at: number } | undefined;
    for (const line of lines) {
      if (!isHeading(line)) {
        out.push(escapeMarkdownLines(line.text));
        previous = undefined;
        continue;
      }
      if (previous && previous.size === line.size) {
        out[previous.at] += ` ${line.text}`;
        continue;
      }
      const level = Math.min(headingSizes.indexOf(line.size) + 1, 6);
      out.push('', `${'#'.repeat(level)} ${line.text}`, '');
      previous = { size: line.size, at: out.length - 2 };
    }
    const text = tidy(out.join('\n'));
    firstHeading ??= /^#{1,6} (.+)$/m.exec(text)?.[1];
    return text;
  });
  return { texts, firstHeading };
}

async function metadataTitle(pdf: PdfDocument): Promise<string | undefined> {
  try {
    const info = (await pdf.getMetadata()).info as { Title?: unknown } | undefined;
    const title = typeof info?.Title === 'string' ? info.Title.replace(/\s+/g, ' ').trim() : '';
    return title && !PLACEHOLDER_TITLE.test(title) ? title : undefined;
  } catch {
    // A PDF without readable metadata still has its text.
    return undefined;
  }
}

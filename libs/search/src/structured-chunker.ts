import { inlineMarkdownText } from './inline-markdown';
import { DEFAULT_CHUNKING, splitSentences, type ChunkOptions } from './chunker';
import { contentsRuns, isNavigationSection } from './navigation-section';

/** Where a chunk sits in its document. */
export interface ChunkLocation {
  /** 1-based page, for paged formats (pages are separated by form feeds in the body). */
  page?: number;
  /** The page's printed number, where it differs from `page` (a PDF's page labels: `iv`, `17`). */
  pageLabel?: string;
  /** The heading path, outermost first (`["Install", "On Debian"]`). */
  heading?: string[];
  /** First and last line of the body the chunk covers, 1-based, inclusive. */
  lines: [number, number];
}

export interface Chunk {
  text: string;
  location: ChunkLocation;
}

interface Paragraph {
  text: string;
  heading?: boolean;
  words: number;
  from: number;
  to: number;
}

interface Section {
  page?: number;
  heading: string[];
  paragraphs: Paragraph[];
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;
const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;

/**
 * Splits a body into sections at Markdown headings and page breaks (form feeds), and each section
 * into paragraphs with their line numbers. Headings inside fenced code are text.
 */
export function sectionsOf(body: string): Section[] {
  const lines = body.split('\n');
  const paged = body.includes('\f');
  const sections: Section[] = [];
  const path: { level: number; text: string }[] = [];
  let page = 1;
  let section: Section = { page: paged ? page : undefined, heading: [], paragraphs: [] };
  let paragraph: string[] = [];
  let paragraphStart = 0;
  let inFence = false;

  const endParagraph = (lineNo: number) => {
    const text = paragraph.join('\n').trim();
    if (text) section.paragraphs.push({ text, words: countWords(text), from: paragraphStart, to: lineNo });
    paragraph = [];
  };
  const startSection = () => {
    if (section.paragraphs.length) sections.push(section);
    section = { page: paged ? page : undefined, heading: path.map((p) => p.text), paragraphs: [] };
  };

  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    let line = raw;
    if (line.includes('\f')) {
      endParagraph(lineNo - 1);
      page += (line.match(/\f/g) ?? []).length;
      line = line.replace(/\f/g, '');
      startSection();
    }
    if (FENCE.test(line)) inFence = !inFence;
    const heading = inFence ? null : HEADING.exec(line);
    if (heading) {
      endParagraph(lineNo - 1);
      const level = heading[1].length;
      while (path.length && path[path.length - 1].level >= level) path.pop();
      // The path is read as text (locations, citations, the embedded context): no link or badge markup.
      path.push({ level, text: inlineMarkdownText(heading[2]) });
      startSection();
      // The heading's words belong to its section: they are often what a question names.
      section.paragraphs.push({
        text: heading[2],
        words: countWords(heading[2]),
        from: lineNo,
        to: lineNo,
        heading: true,
      });
      return;
    }
    if (!line.trim() && !inFence) {
      endParagraph(lineNo - 1);
      return;
    }
    if (paragraph.length === 0) paragraphStart = lineNo;
    paragraph.push(line);
  });
  endParagraph(lines.length);
  if (section.paragraphs.length) sections.push(section);
  return sections;
}

/** A paragraph without its runs of contents entries (`contentsRuns`): the parts around them, each with its lines. */
function withoutContents(paragraph: Paragraph): Paragraph[] {
  const lines = paragraph.text.split('\n');
  const runs = contentsRuns(lines);
  if (!runs.size) return [paragraph];
  const parts: Paragraph[] = [];
  let kept: number[] = [];
  const flush = () => {
    const text = kept
      .map((at) => lines[at])
      .join('\n')
      .trim();
    if (text)
      parts.push({
        text,
        words: countWords(text),
        from: paragraph.from + kept[0],
        to: paragraph.from + kept[kept.length - 1],
      });
    kept = [];
  };
  lines.forEach((_, at) => (runs.has(at) ? flush() : kept.push(at)));
  flush();
  return parts;
}

/**
 * Chunks that follow the document's structure: a chunk never spans two sections or two pages,
 * paragraphs are packed up to the target size, and a paragraph longer than the maximum is cut
 * at sentence ends. Every chunk says where it is (page, heading path, lines).
 */
export function chunkDocument(body: string, options: ChunkOptions = DEFAULT_CHUNKING): Chunk[] {
  const chunks: Chunk[] = [];
  // A heading with nothing under it before the next one lives on in its subsections' paths.
  // Tables of contents and indexes are the document's text but never one of its passages.
  const sections = sectionsOf(body)
    .filter(
      (s) =>
        !isNavigationSection(
          s.heading,
          s.paragraphs.filter((p) => !p.heading).flatMap((p) => p.text.split('\n')),
        ),
    )
    .map((s) => ({ ...s, paragraphs: s.paragraphs.flatMap((p) => (p.heading ? [p] : withoutContents(p))) }))
    .filter((s) => s.paragraphs.some((p) => !p.heading));
  for (const section of sections) {
    const location = (from: number, to: number): ChunkLocation => ({
      ...(section.page !== undefined ? { page: section.page } : {}),
      ...(section.heading.length ? { heading: section.heading } : {}),
      lines: [from, to],
    });
    let pending: Paragraph[] = [];
    let pendingWords = 0;
    const flush = () => {
      if (!pending.length) return;
      chunks.push({
        text: pending.map((p) => p.text).join('\n\n'),
        location: location(pending[0].from, pending[pending.length - 1].to),
      });
      pending = [];
      pendingWords = 0;
    };
    for (const paragraph of section.paragraphs) {
      if (paragraph.words > options.maxWords) {
        flush();
        let part: string[] = [];
        let partWords = 0;
        for (const sentence of splitSentences(paragraph.text, options.maxWords)) {
          const n = countWords(sentence);
          if (partWords > 0 && partWords + n > options.targetWords) {
            chunks.push({ text: part.join(' '), location: location(paragraph.from, paragraph.to) });
            part = [];
            partWords = 0;
          }
          part.push(sentence);
          partWords += n;
        }
        if (part.length)
          chunks.push({ text: part.join(' '), location: location(paragraph.from, paragraph.to) });
        continue;
      }
      if (pendingWords > 0 && pendingWords + paragraph.words > options.maxWords) flush();
      pending.push(paragraph);
      pendingWords += paragraph.words;
      if (pendingWords >= options.targetWords) flush();
    }
    flush();
  }
  const text = body.replace(/\f/g, '').trim();
  if (chunks.length === 0 && text) chunks.push({ text, location: { lines: [1, body.split('\n').length] } });
  return chunks;
}

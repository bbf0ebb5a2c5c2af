import { evidenceOf, holdingOf, locateWords, termsOfPassages, type LocatedWords } from './highlighter';
import { inlineMarkdownText } from './inline-markdown';
import type { ChunkLocation } from './structured-chunker';

/**
 * A chunk a hit could be shown from, with what each side says of it within its document: its
 * place among the document's chunks by BM25 (1 = best) and its similarity to the query by
 * meaning. A side that did not bring the chunk among its best says nothing.
 */
export interface ShownChunkCandidate {
  chunkNo: number;
  text: string;
  location?: ChunkLocation;
  lexicalRank?: number;
  similarity?: number;
}

/** How a candidate's text is read for the query: `locateWords`, or a page's memo of it (`WordLocator`). */
export type Locate = (text: string) => LocatedWords;

/**
 * Each text's best passage's evidence for the query (`evidenceOf`, as `highlightPassages` weighs
 * passages within one text), with rarity among the passages of all `texts` that hold a query term,
 * so "archive", in most passages of tar's chunks, counts little next to "list" and "contents" on
 * one line.
 */
export function passageEvidence(
  texts: readonly string[],
  terms: Set<string>,
  locate: Locate = (text) => locateWords(text, terms),
): number[] {
  const passages = texts.map((text) => termsOfPassages(locate(text)));
  const all = passages.flat();
  const holding = holdingOf(all);
  return passages.map((ofText) =>
    Math.max(0, ...ofText.map((held) => evidenceOf(held, all.length, holding))),
  );
}

/**
 * The chunk a hit is shown from when both its words and its meaning point into the document: the
 * candidate whose best passage holds the most evidence for the query (`passageEvidence`), then the one nearest
 * by meaning, then the better by BM25, then the earlier.
 *
 * Neither side's chunk ranking alone finds the answering chunk of a long reference page. BM25
 * weighs a chunk's words as a bag: for "how do I list the contents of an archive" it prefers tar's
 * `-a, --auto-compress` chunk, which says "archive" often, over the one holding `-t, --list: List
 * the contents of an archive`. By meaning, e5-small-v2 puts the chunks of one man page within
 * 0.004 of each other (tar's nearest three: `--format`, NAME, `--tape-length`; ls's: `-u`), under
 * the 0.003 a vector moves with the texts it is embedded beside, so meaning cannot pick a chunk; it
 * brings its nearest chunk as a candidate (beside the words' 3 best) and decides between chunks
 * whose passages hold equal evidence.
 * A passage holding the terms together is what the snippet shows, so the shown chunk is the one
 * with the best snippet, and a heading alone only when no other chunk is a candidate.
 */
export function chooseShownChunk<T extends ShownChunkCandidate>(
  candidates: readonly T[],
  terms: Set<string>,
  locate?: Locate,
): T | undefined {
  const scores = passageEvidence(
    candidates.map((c) => c.text),
    terms,
    locate,
  );
  const evidence = new Map(candidates.map((c, i) => [c.chunkNo, scores[i]]));
  // A heading alone holds its words densely, and is no passage: any other candidate comes first.
  const alone = new Map(candidates.map((c) => [c.chunkNo, Number(headingAlone(c))]));
  return [...candidates].sort(
    (a, b) =>
      alone.get(a.chunkNo)! - alone.get(b.chunkNo)! ||
      evidence.get(b.chunkNo)! - evidence.get(a.chunkNo)! ||
      // NaN (neither side known) is falsy, so the next criterion decides.
      (b.similarity ?? -Infinity) - (a.similarity ?? -Infinity) ||
      (a.lexicalRank ?? Infinity) - (b.lexicalRank ?? Infinity) ||
      a.chunkNo - b.chunkNo,
  )[0];
}

/**
 * One candidate per chunk from the two sides' lists, each best first: a chunk both bring is one
 * candidate carrying both.
 */
export function mergeChunkCandidates<T extends { chunkNo: number; text: string }>(
  byWords: readonly T[],
  byMeaning: readonly (T & { similarity: number })[],
): (T & ShownChunkCandidate)[] {
  const merged = new Map<number, T & ShownChunkCandidate>();
  byWords.forEach((chunk, i) => merged.set(chunk.chunkNo, { ...chunk, lexicalRank: i + 1 }));
  for (const chunk of byMeaning) {
    const known = merged.get(chunk.chunkNo);
    merged.set(chunk.chunkNo, known ? { ...known, similarity: chunk.similarity } : { ...chunk });
  }
  return [...merged.values()];
}

interface NumberedChunk {
  chunkNo: number;
  text: string;
  location?: ChunkLocation;
}

/** Whether a chunk is its section's heading and nothing else. */
function headingAlone(chunk: NumberedChunk): boolean {
  const heading = chunk.location?.heading;
  return !!heading?.length && inlineMarkdownText(chunk.text.trim()) === heading[heading.length - 1];
}

/**
 * The chunk a match is shown from when it is read by number: chunk `chunkNo` of `chunks` (it and
 * the one after it), or the one after it when it is a heading alone and that one is the text under
 * it. A heading stands alone as a chunk over text longer than a chunk (a PDF page's section is one
 * paragraph of its lines: 515 of 7,497 chunks of 186 PDFs), and its vector, the heading's topic,
 * is often a document's nearest by meaning: shown, it was a passage of one line ("1 Why use
 * Dvips?"). It stays a chunk of its own, as meaning ranks better by it (docs/search.md).
 */
export function passageOf<T extends NumberedChunk>(chunks: readonly T[], chunkNo?: number): T | undefined {
  const chunk = chunks.find((c) => c.chunkNo === chunkNo) ?? chunks[0];
  const next = chunk && chunks.find((c) => c.chunkNo === chunk.chunkNo + 1);
  const sameSection =
    next &&
    next.location?.page === chunk.location?.page &&
    JSON.stringify(next.location?.heading) === JSON.stringify(chunk.location?.heading);
  return chunk && sameSection && headingAlone(chunk) ? next : chunk;
}

/** Of chunks best first, the first that is not a heading alone (the first, when all are). */
export function firstPassage<T extends NumberedChunk>(chunks: readonly T[]): T | undefined {
  return chunks.find((chunk) => !headingAlone(chunk)) ?? chunks[0];
}

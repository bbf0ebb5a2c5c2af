export interface ChunkOptions {
  /** Words per chunk aimed for; sentences are never cut unless one alone is longer than `maxWords`. */
  targetWords: number;
  /** Hard upper bound of words per chunk. */
  maxWords: number;
  /** Words of trailing context repeated at the start of the next chunk (whole sentences). */
  overlapWords: number;
}

/**
 * ~100 words keeps each chunk within what a sentence encoder represents well (longer texts get
 * averaged into mush), and one sentence of overlap keeps an idea that spans a boundary findable.
 */
export const DEFAULT_CHUNKING: ChunkOptions = { targetWords: 100, maxWords: 160, overlapWords: 25 };

const SENTENCE_END = /(?<=[.!?;:])\s+(?=["'([]?[A-Z0-9])|\n{2,}|\n(?=\s*[-*•]|\s*\d+[.)]\s)/;

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** Splits text into sentences (and paragraphs / list items), long sentences into word windows. */
export function splitSentences(text: string, maxWords: number): string[] {
  const sentences: string[] = [];
  for (const raw of text.split(SENTENCE_END)) {
    const sentenceWords = words(raw ?? '');
    for (let i = 0; i < sentenceWords.length; i += maxWords) {
      sentences.push(sentenceWords.slice(i, i + maxWords).join(' '));
    }
  }
  return sentences;
}

/** Sentence-aware chunks with overlap. A short text is one chunk; an empty text has none. */
export function chunkText(text: string, options: ChunkOptions = DEFAULT_CHUNKING): string[] {
  const sentences = splitSentences(text, options.maxWords);
  const chunks: string[] = [];
  let current: string[] = [];
  let currentWords = 0;
  let freshSentences = 0;

  const flush = () => {
    if (freshSentences > 0) chunks.push(current.join(' '));
    // Carry whole trailing sentences (up to overlapWords) into the next chunk as context.
    const carried: string[] = [];
    let carriedWords = 0;
    for (let i = current.length - 1; i >= 0; i--) {
      const n = words(current[i]).length;
      if (carriedWords + n > options.overlapWords) break;
      carried.unshift(current[i]);
      carriedWords += n;
    }
    current = carried;
    currentWords = carriedWords;
    freshSentences = 0;
  };

  for (const sentence of sentences) {
    const n = words(sentence).length;
    if (freshSentences > 0 && (currentWords + n > options.maxWords || currentWords >= options.targetWords))
      flush();
    if (currentWords + n > options.maxWords) {
      current = [];
      currentWords = 0;
    }
    current.push(sentence);
    currentWords += n;
    freshSentences++;
  }
  if (freshSentences > 0) chunks.push(current.join(' '));
  return chunks;
}

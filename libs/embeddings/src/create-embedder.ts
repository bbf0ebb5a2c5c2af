import type { Embedder } from './embedder';
import { LocalEmbedder } from './local.embedder';
import { OpenAiEmbedder } from './openai.embedder';

export type EmbedderOptions =
  | { kind: 'local'; workers?: number }
  | {
      kind: 'openai';
      url: string;
      model: string;
      apiKey?: string;
      dims?: number;
      timeoutMs?: number;
      maxRetries?: number;
      batchSize?: number;
    };

/**
 * Builds the configured embedder, ready to use: the local model is loaded in its workers and an
 * OpenAI-compatible provider has answered its probe (unless `dims` was given), so a misconfiguration
 * fails here, at start-up, rather than on the first document.
 */
export async function createEmbedder(options: EmbedderOptions): Promise<Embedder> {
  if (options.kind === 'local') {
    const embedder = new LocalEmbedder({ workers: options.workers });
    await startOrClose(embedder, () => embedder.warmUp());
    return embedder;
  }
  const { kind: _kind, ...providerOptions } = options;
  const embedder = new OpenAiEmbedder(providerOptions);
  await startOrClose(embedder, () => embedder.init());
  return embedder;
}

async function startOrClose(embedder: Embedder, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (error) {
    await embedder.close();
    throw error;
  }
}

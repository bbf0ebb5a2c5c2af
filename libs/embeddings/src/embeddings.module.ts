import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CONFIG, type QuarryConfig } from '@quarry/config';
import { EgressPolicy } from '@quarry/egress';
import { QuarryMetrics } from '@quarry/observability';
import { createEmbedder } from './create-embedder';
import type { Embedder } from './embedder';

/** The process's embedder (`Embedder`): the local ONNX model or an OpenAI-compatible provider. */
export const EMBEDDER = Symbol('Embedder');

/** Embedding latency for the metrics, whichever provider. */
function timed(embedder: Embedder, metrics: QuarryMetrics): Embedder {
  const time =
    (embed: (texts: string[], signal?: AbortSignal) => Promise<number[][]>) =>
    async (texts: string[], signal?: AbortSignal) => {
      const end = metrics.embeddingDuration.startTimer();
      try {
        return await embed(texts, signal);
      } finally {
        end();
      }
    };
  return {
    id: embedder.id,
    dims: embedder.dims,
    model: embedder.model,
    close: () => embedder.close(),
    embedQueries: time((texts, signal) => embedder.embedQueries(texts, signal)),
    embedPassages: time((texts, signal) => embedder.embedPassages(texts, signal)),
    knownWordShare: (text) => embedder.knownWordShare(text),
  };
}

/** Stops the model's workers once nothing embeds any more. */
@Injectable()
class EmbedderShutdown implements OnApplicationShutdown {
  constructor(@Inject(EMBEDDER) private readonly embedder: Embedder) {}

  async onApplicationShutdown(): Promise<void> {
    await this.embedder.close();
  }
}

const fromConfig = {
  provide: EMBEDDER,
  inject: [CONFIG, QuarryMetrics],
  useFactory: async (config: QuarryConfig, metrics: QuarryMetrics) =>
    timed(
      await createEmbedder(
        config.embedder.kind === 'local'
          ? { ...config.embedder, dataDir: config.dataDir }
          : {
              ...config.embedder,
              timeoutMs: config.requestTimeoutMs,
              egress: EgressPolicy.fromConfig(config),
            },
      ),
      metrics,
    ),
};

@Global()
@Module({})
export class EmbeddingsModule {
  /** `embedder`: another implementation in place of the configured one (tests whose subject is not the model). */
  static forRoot(embedder?: Embedder): DynamicModule {
    return {
      module: EmbeddingsModule,
      providers: [
        embedder
          ? {
              provide: EMBEDDER,
              inject: [QuarryMetrics],
              useFactory: (metrics: QuarryMetrics) => timed(embedder, metrics),
            }
          : fromConfig,
        EmbedderShutdown,
      ],
      exports: [EMBEDDER],
    };
  }
}

import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from '@elastic/elasticsearch';
import { CONFIG, type ConnectedConfig } from '@quarry/config';
import { QuarryMetrics } from '@quarry/observability';
import { createElasticsearchClient } from './elasticsearch.client';
import { indexNames } from './index-names';

/** The index names of this process's prefix (`IndexNames`). */
export const INDICES = Symbol('IndexNames');

/**
 * Elasticsearch latency per API (search, bulk, mget, ...) from the client's own request events.
 * (The request id reaches Elasticsearch as X-Opaque-Id through the client's connection:
 * RequestIdConnection.)
 */
function instrument(client: Client, metrics: QuarryMetrics): Client {
  const started = new Map<unknown, number>();
  client.diagnostic.on('request', (_error, event) => {
    if (event) started.set(event.meta.request.id, performance.now());
  });
  client.diagnostic.on('response', (_error, event) => {
    if (!event) return;
    const begin = started.get(event.meta.request.id);
    started.delete(event.meta.request.id);
    if (begin === undefined) return;
    const operation =
      event.meta.name && event.meta.name !== 'elasticsearch-js'
        ? String(event.meta.name)
        : apiOf(event.meta.request.params.path);
    metrics.elasticsearchDuration.observe({ operation }, (performance.now() - begin) / 1000);
  });
  return client;
}

function apiOf(path: string): string {
  const api = path.split('/').find((part) => part.startsWith('_'));
  return api ? api.slice(1) : 'document';
}

/** Closes the client last, once every module has stopped using it. */
@Injectable()
class ElasticsearchShutdown implements OnApplicationShutdown {
  constructor(@Inject(Client) private readonly client: Client) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

/** One Elasticsearch client per process, over every configured node; the nodes themselves are started elsewhere. */
@Global()
@Module({
  providers: [
    {
      provide: Client,
      inject: [CONFIG, QuarryMetrics],
      useFactory: (config: ConnectedConfig, metrics: QuarryMetrics) =>
        instrument(
          createElasticsearchClient(config.elasticsearchUrl, config.requestTimeoutMs, config.elasticsearch),
          metrics,
        ),
    },
    {
      provide: INDICES,
      inject: [CONFIG],
      useFactory: (config: ConnectedConfig) => indexNames(config.indexPrefix),
    },
    ElasticsearchShutdown,
  ],
  exports: [Client, INDICES],
})
export class ElasticsearchModule {}

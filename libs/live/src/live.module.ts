import {
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Client } from '@elastic/elasticsearch';
import type Redis from 'ioredis';
import IORedis from 'ioredis';
import { CONFIG, SERVING, type QuarryConfig } from '@quarry/config';
import { Operations, type OperationSource } from '@quarry/core';
import { EMBEDDER, type Embedder } from '@quarry/embeddings';
import { LOGGER, type Logger } from '@quarry/observability';
import { DOCUMENT_CHANGES_CHANNEL, QueryCache, RedisBus } from '@quarry/redis';
import {
  DocumentChangeFeed,
  DocumentRepository,
  INDICES,
  SearchModule,
  SearchService,
  type DocumentChange,
  type IndexNames,
} from '@quarry/search';
import { liveOperations } from './live-operations';
import { LiveQueryRepository } from './live-query.repository';
import { LiveQueryService } from './live-query.service';

/**
 * Every acknowledged write: caches of its collections invalidated (before the answer), live
 * queries matched (beside it, never delaying it), other instances told.
 */
@Injectable()
export class DocumentChangePublisher {
  constructor(
    feed: DocumentChangeFeed,
    live: LiveQueryService,
    private readonly cache: QueryCache,
    private readonly bus: RedisBus,
    private readonly documents: DocumentRepository,
    @Inject(INDICES) private readonly indices: IndexNames,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    feed.listen(async (changes, changed, visible) => {
      live.documentsChanged(changed);
      await this.publish(changes, visible);
    });
  }

  private async publish(changes: DocumentChange[], visible: boolean): Promise<void> {
    const collections = changes.flatMap((c) =>
      c.previousCollection ? [c.collection, c.previousCollection] : [c.collection],
    );
    const makeVisible = () => this.documents.refresh(this.indices.docs, this.indices.vectors);
    await this.cache.invalidate(collections, visible ? undefined : makeVisible);
    await this.bus
      .publish(DOCUMENT_CHANGES_CHANNEL, { changes })
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'change not published'));
  }
}

@Operations()
export class LiveOperations implements OperationSource, OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly live: LiveQueryService,
    @Inject(SERVING) private readonly serving: boolean,
  ) {}

  operations() {
    return liveOperations(this.live);
  }

  /** Only serving processes hold subscriptions; a one-shot command still matches what it writes. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.serving) await this.live.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.live.close();
  }
}

/** Live queries: GraphQL subscriptions and MCP watches, matched against every write of every instance. */
@Module({
  imports: [SearchModule],
  providers: [
    {
      provide: LiveQueryService,
      inject: [Client, INDICES, IORedis, RedisBus, SearchService, LOGGER, CONFIG, EMBEDDER],
      useFactory: (
        client: Client,
        indices: IndexNames,
        redis: Redis,
        bus: RedisBus,
        search: SearchService,
        logger: Logger,
        config: QuarryConfig,
        embedder: Embedder,
      ) =>
        new LiveQueryService(
          { repository: new LiveQueryRepository(client, indices), redis, bus, search, logger },
          // The live semantic floor depends on the model: e5 puts unrelated text near 0.8, MiniLM near 0.1.
          {
            prefix: config.indexPrefix,
            ...(embedder.model.similarityFloor === undefined
              ? {}
              : { minSimilarity: embedder.model.similarityFloor }),
          },
        ),
    },
    DocumentChangePublisher,
    LiveOperations,
  ],
  exports: [LiveQueryService],
})
export class LiveModule {}

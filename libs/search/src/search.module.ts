import { Inject, Injectable, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Client } from '@elastic/elasticsearch';
import { CONFIG, type QuarryConfig } from '@quarry/config';
import { Operations, type OperationSource } from '@quarry/core';
import { EMBEDDER, type Embedder } from '@quarry/embeddings';
import { LOGGER, type Logger } from '@quarry/observability';
import { QueryCache } from '@quarry/redis';
import { ChunkRepository } from './chunk.repository';
import { DocumentChangeFeed } from './document-change.feed';
import { DocumentRepository } from './document.repository';
import { INDICES } from './elasticsearch.module';
import { EmbeddingReindexer, ReindexJobs } from './embedding-reindex';
import type { IndexNames } from './index-names';
import { setupIndices, type IndexSetupOptions } from './index-setup';
import { reindexOperations } from './reindex.operations';
import { searchOperations } from './search.operations';
import { SearchRepository } from './search.repository';
import { SearchService } from './search.service';

/** How this process treats an index written with another model (`IndexSetupOptions`). */
export const INDEX_SETUP_OPTIONS = Symbol('IndexSetupOptions');

/** Creates or checks the indices before anything serves; a model mismatch stops the start. */
@Injectable()
export class IndexSetup implements OnModuleInit {
  constructor(
    @Inject(Client) private readonly client: Client,
    @Inject(CONFIG) private readonly config: QuarryConfig,
    @Inject(EMBEDDER) private readonly embedder: Embedder,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(INDEX_SETUP_OPTIONS) private readonly options: IndexSetupOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const indices = await setupIndices(this.client, this.config.indexPrefix, this.embedder, {
      ...this.options,
      layout: this.config.indexLayout,
    });
    for (const index of indices) {
      this.logger.info(
        {
          alias: index.alias,
          index: index.index,
          action: index.action,
          modelMismatch: index.modelMismatch,
          replicasChanged: index.replicasChanged,
        },
        'index ready',
      );
      if (index.shardsMismatch) this.logger.warn({ alias: index.alias }, index.shardsMismatch);
    }
  }
}

@Operations()
export class SearchOperations implements OperationSource {
  constructor(
    private readonly search: SearchService,
    private readonly documents: DocumentRepository,
    private readonly repository: SearchRepository,
    private readonly cache: QueryCache,
    private readonly chunks: ChunkRepository,
  ) {}

  operations() {
    const { search, documents, repository, cache, chunks } = this;
    return searchOperations({ search, documents, repository, cache, chunks });
  }
}

/** Re-embedding every chunk with this instance's model into a new vector index (POST /v1/reindex). */
@Operations()
export class ReindexOperations implements OperationSource, OnModuleDestroy {
  readonly jobs: ReindexJobs;

  constructor(
    @Inject(Client) client: Client,
    @Inject(INDICES) indices: IndexNames,
    @Inject(EMBEDDER) embedder: Embedder,
  ) {
    this.jobs = new ReindexJobs(() => new EmbeddingReindexer(client, indices, embedder));
  }

  operations() {
    return reindexOperations(this.jobs);
  }

  async onModuleDestroy(): Promise<void> {
    await this.jobs.close();
  }
}

const byIndices = <T>(build: (client: Client, indices: IndexNames) => T) => ({
  inject: [Client, INDICES],
  useFactory: build,
});

/**
 * Documents, chunks and their search: the repositories that own Elasticsearch, the search
 * service on them, and their operations. Writing documents is libs/ingest's (`IngestModule`).
 */
@Module({
  providers: [
    { provide: INDEX_SETUP_OPTIONS, useValue: {} },
    IndexSetup,
    {
      provide: DocumentRepository,
      ...byIndices((client, indices) => new DocumentRepository(client, indices.docs, indices.vectors)),
    },
    {
      provide: SearchRepository,
      ...byIndices((client, indices) => new SearchRepository(client, indices.docs, indices.vectors)),
    },
    {
      provide: ChunkRepository,
      ...byIndices((client, indices) => new ChunkRepository(client, indices.vectors)),
    },
    {
      provide: SearchService,
      inject: [SearchRepository, EMBEDDER, INDICES],
      useFactory: (repository: SearchRepository, embedder: Embedder, indices: IndexNames) =>
        new SearchService(repository, embedder, indices),
    },
    DocumentChangeFeed,
    SearchOperations,
    ReindexOperations,
  ],
  exports: [
    DocumentRepository,
    SearchRepository,
    ChunkRepository,
    SearchService,
    DocumentChangeFeed,
    ReindexOperations,
  ],
})
export class SearchModule {}

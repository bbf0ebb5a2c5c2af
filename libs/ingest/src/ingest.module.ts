import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { Client } from '@elastic/elasticsearch';
import type Redis from 'ioredis';
import IORedis from 'ioredis';
import { CONFIG, type QuarryConfig } from '@quarry/config';
import { Operations, type OperationSource } from '@quarry/core';
import { EgressPolicy } from '@quarry/egress';
import { LiveModule, LiveQueryService } from '@quarry/live';
import { LOGGER, QuarryMetrics, type Logger } from '@quarry/observability';
import { EMBEDDER, type Embedder } from '@quarry/embeddings';
import {
  DocumentChangeFeed,
  DocumentRepository,
  INDICES,
  SearchModule,
  type IndexNames,
} from '@quarry/search';
import { documentWriteOperations } from './document-writes.operations';
import { IngestService } from './ingest.service';
import { createIngestion, jobProgress, type Ingestion } from './ingestion';
import { DirectoryConfinement } from './sources/directory-confinement';

/** Sources, sync jobs and their scheduler (`Ingestion`). */
export const INGESTION = Symbol('Ingestion');

@Operations()
export class IngestionOperations implements OperationSource, OnModuleDestroy {
  constructor(@Inject(INGESTION) private readonly ingestion: Ingestion) {}

  operations() {
    return this.ingestion.operations;
  }

  async onModuleDestroy(): Promise<void> {
    await this.ingestion.close();
  }
}

/** `index_documents` and `delete_document`: every edge writes documents through them. */
@Operations()
export class DocumentWriteOperations implements OperationSource {
  constructor(private readonly ingest: IngestService) {}

  operations() {
    return documentWriteOperations(this.ingest);
  }
}

/** Writing documents, sources that stay in sync, their jobs, uploads, and browsing and cleaning up documents. */
@Module({
  imports: [SearchModule, LiveModule],
  providers: [
    {
      provide: IngestService,
      inject: [DocumentRepository, EMBEDDER, INDICES, DocumentChangeFeed],
      useFactory: (
        documents: DocumentRepository,
        embedder: Embedder,
        indices: IndexNames,
        feed: DocumentChangeFeed,
      ) =>
        new IngestService(documents, embedder, indices, {}, (changes, changed, visible) =>
          feed.publish(changes, changed, visible),
        ),
    },
    DocumentWriteOperations,
    {
      provide: INGESTION,
      inject: [Client, INDICES, IngestService, LiveQueryService, QuarryMetrics, IORedis, CONFIG, LOGGER],
      useFactory: (
        elasticsearch: Client,
        indices: IndexNames,
        ingest: IngestService,
        live: LiveQueryService,
        metrics: QuarryMetrics,
        redis: Redis,
        config: QuarryConfig,
        logger: Logger,
      ) =>
        createIngestion({
          elasticsearch,
          indices,
          ingest,
          // Sync jobs report like ingest jobs: GraphQL ingestProgress(jobId) and watch_ingest follow them.
          onJobUpdate: (job) => void live.reportProgress(jobProgress(job)),
          metrics: {
            advanced: (stage, items) => metrics.ingestJobItems.inc({ stage }, items),
            ended: (status) => metrics.ingestJobs.inc({ status }),
            saveFailed: (write) => metrics.ingestJobSaveFailures.inc({ write }),
          },
          redis,
          lockPrefix: `${config.indexPrefix}:ingest`,
          onSchedulerError: (error) => logger.warn({ err: error.message }, 'scheduled sync round failed'),
          onJobSaveError: (error, job, final) =>
            final
              ? logger.error({ err: error.message, job: job.id, status: job.status }, 'final job state lost')
              : logger.warn({ err: error.message, job: job.id }, 'job progress not stored'),
          egress: EgressPolicy.fromConfig(config),
          confinement: DirectoryConfinement.fromConfig(config),
        }),
    },
    IngestionOperations,
  ],
  exports: [INGESTION, IngestService],
})
export class IngestModule {}

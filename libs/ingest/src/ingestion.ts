import type { Client } from '@elastic/elasticsearch';
import type Redis from 'ioredis';
import { UnavailableError, type Operation } from '@quarry/core';
import { EgressPolicy } from '@quarry/egress';
import type { IndexNames } from '@quarry/search';
import type { IngestService } from './ingest.service';
import { DocumentBrowser } from './document.browser';
import { ingestionOperations } from './ingestion.operations';
import { uploadFilesOperation } from './upload.operation';
import { JobService, type JobCancellation, type JobMetrics, type JobState } from './jobs/job.service';
import { IngestMetaStore } from './meta.store';
import { SourceService } from './sources/source.service';
import type { DirectoryConfinement } from './sources/directory-confinement';
import { SyncScheduler } from './jobs/sync-scheduler';

export interface Ingestion {
  jobs: JobService;
  sources: SourceService;
  operations: Operation<never, unknown>[];
  /** Resumes syncs interrupted by a restart and runs scheduled ones (servers call it, CLIs do not). */
  scheduler?: SyncScheduler;
  close(): Promise<void>;
}

/**
 * A job's progress as the live `ingestProgress(jobId)` subscription (and `watch_ingest`) carries
 * it: items done out of items found so far, the stage as message.
 */
export function jobProgress(job: JobState) {
  const c = job.counts;
  return {
    jobId: job.id,
    ...(job.owner ? { owner: job.owner } : {}),
    done: c.unchanged + c.indexed + c.skipped + c.failed,
    total: c.found,
    message: `${job.status}: ${job.stage}`,
    finished: job.status !== 'running',
    indexed: c.indexed,
    failed: c.failed,
    ...(job.error ? { error: job.error } : {}),
  };
}

/** Sources, jobs and the browse/clean-up operations of one process. */
export function createIngestion(deps: {
  elasticsearch: Client;
  indices: IndexNames;
  ingest: IngestService;
  onJobUpdate?: (job: JobState) => void;
  metrics?: JobMetrics;
  /** With Redis, the scheduler's locks make one instance act on each schedule or interrupted job. */
  redis?: Redis;
  lockPrefix?: string;
  onSchedulerError?: (error: Error) => void;
  /** Told when a job's state cannot be stored (`final`: its end, after retries, is lost). */
  onJobSaveError?: (error: Error, job: JobState, final: boolean) => void;
  /** Where sources may fetch from; default: the public internet only. */
  egress?: EgressPolicy;
  /** Where directory sources may lie; default: anywhere but system and hidden folders. */
  confinement?: DirectoryConfinement;
}): Ingestion {
  const egress = deps.egress ?? new EgressPolicy();
  const store = new IngestMetaStore(deps.elasticsearch, deps.indices.meta);
  const browser = new DocumentBrowser(deps.elasticsearch, deps.indices.docs);
  const jobs = new JobService(
    store,
    deps.onJobUpdate,
    deps.metrics,
    deps.redis ? redisCancellation(deps.redis, `${deps.lockPrefix ?? 'quarry:ingest'}:cancel`) : undefined,
    deps.onJobSaveError,
  );
  const sources = new SourceService(
    store,
    jobs,
    deps.ingest,
    browser,
    deps.indices,
    egress,
    deps.confinement,
  );
  const scheduler = deps.redis
    ? new SyncScheduler(sources, jobs, deps.redis, deps.lockPrefix ?? 'quarry:ingest', deps.onSchedulerError)
    : undefined;
  return {
    jobs,
    sources,
    scheduler,
    operations: [
      ...ingestionOperations({ browser, ingest: deps.ingest, sources, jobs, indices: deps.indices }),
      uploadFilesOperation(deps.ingest, jobs) as unknown as Operation<never, unknown>,
    ],
    close: async () => {
      scheduler?.stop();
      await jobs.close();
      await egress.close();
    },
  };
}

/**
 * Cancels reach the instance running a job over Redis pub/sub, so a job started on one instance
 * can be cancelled from any other (an MCP task polled through a round-robin proxy).
 */
function redisCancellation(redis: Redis, channel: string): JobCancellation {
  return {
    request: async (id) => {
      try {
        await redis.publish(channel, id);
      } catch (error) {
        throw new UnavailableError('redis', (error as Error).message);
      }
    },
    listen: (cancel) => {
      // A subscribed connection can do nothing else: a connection of its own.
      const subscriber = redis.duplicate({ enableOfflineQueue: true });
      subscriber.on('error', () => undefined);
      subscriber.on('message', (from: string, id: string) => {
        if (from === channel) cancel(id);
      });
      void subscriber.subscribe(channel).catch(() => undefined);
      return () => subscriber.disconnect();
    },
  };
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';
import { operationRef, ForbiddenError, type Operation, type ArgsOf, type ResultOf } from '@quarry/core';
import type { ReindexJob, ReindexJobs } from './embedding-reindex';

export class ReindexInput {
  @ApiPropertyOptional({ description: 'Answer when the job has ended instead of at once' })
  @IsOptional()
  @IsBoolean()
  wait?: boolean;
}

export class ReindexJobIdInput {
  @ApiProperty()
  @IsUUID()
  id!: string;
}

/** Typed references of the operations below: what edges call them by. */
export const REINDEX_EMBEDDINGS = operationRef<ReindexInput, ReindexJob>('reindex_embeddings');
export const GET_REINDEX_JOB = operationRef<ReindexJobIdInput, ReindexJob>('get_reindex_job');

/**
 * Re-embedding the vector index with this instance's model, as a job: REST `POST /v1/reindex` and
 * `GET /v1/reindex/:id`; the CLI runs the same EmbeddingReindexer (`quarry reindex --embeddings`).
 */
const REINDEX_JOB_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['running', 'succeeded', 'failed'] },
    progress: { type: 'object' },
    result: { type: 'object' },
    error: { type: 'string' },
    started_at: { type: 'string' },
    updated_at: { type: 'string' },
    finished_at: { type: 'string' },
  },
  required: ['id', 'status', 'progress', 'started_at', 'updated_at'],
};

/** Where a re-embedding job stands, in a few words (also the MCP task's status message). */
export function reindexJobStage(job: ReindexJob): string {
  const { phase, chunks, total } = job.progress;
  return `${phase}, ${chunks} of ${total} chunks`;
}

function describeReindexJob(job: ReindexJob): string {
  const lines = [`Re-embedding job ${job.id}: ${job.status}, ${reindexJobStage(job)}`];
  if (job.result)
    lines.push(
      `model ${job.result.model}: ${job.result.from} -> ${job.result.to}, caught up ${job.result.caughtUp}`,
    );
  if (job.error) lines.push(`error: ${job.error}`);
  return lines.join('\n');
}

export function reindexOperations(jobs: ReindexJobs): Operation<never, unknown>[] {
  const start: Operation<ArgsOf<typeof REINDEX_EMBEDDINGS>, ResultOf<typeof REINDEX_EMBEDDINGS>> = {
    name: REINDEX_EMBEDDINGS,
    description:
      'Re-embed every chunk with the configured model into a new vector index and swap the alias when done; ' +
      'searches keep using the old vectors meanwhile.',
    role: 'admin',
    input: ReindexInput,
    audit: (_args, job) => ({ ids: job ? [job.id] : [] }),
    cost: 100,
    tool: {
      title: 'Re-embed the vector index',
      outputSchema: REINDEX_JOB_SCHEMA,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
      summarize: describeReindexJob,
    },
    run: async (args, context) => {
      // It rewrites every collection's vectors: not for an admin scoped to some of them.
      if (context.principal.collections)
        throw new ForbiddenError(
          're-embedding every collection needs an admin key without a collection scope',
        );
      const { job, done } = jobs.start();
      if (args.wait) await done;
      return job;
    },
  };
  const status: Operation<ArgsOf<typeof GET_REINDEX_JOB>, ResultOf<typeof GET_REINDEX_JOB>> = {
    name: GET_REINDEX_JOB,
    description: 'A re-embedding job: status, phase, chunks done of total, result or error.',
    role: 'admin',
    input: ReindexJobIdInput,
    tool: {
      title: 'Get a re-embedding job',
      outputSchema: REINDEX_JOB_SCHEMA,
      annotations: { readOnlyHint: true, openWorldHint: false },
      summarize: describeReindexJob,
    },
    run: async (args) => jobs.get(args.id),
  };
  return [start, status] as unknown as Operation<never, unknown>[];
}

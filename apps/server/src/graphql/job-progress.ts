import { InvalidError, type OperationRef } from '@quarry/core';
import { JOB_ID_PATTERN, type LiveQueryService } from '@quarry/live';
import { execute, type GraphqlContext } from './graphql.context';

interface JobOutcome {
  items: unknown[];
  indexed: number;
  failed: number;
  skipped?: number;
}

/**
 * Runs a writing operation; with a jobId, announces its progress and its end (success or
 * failure) to `ingestProgress(jobId)` subscribers on every instance, owned by the caller.
 */
export async function executeAsJob<A, R extends JobOutcome>(
  live: LiveQueryService,
  context: GraphqlContext,
  op: OperationRef<A, R>,
  args: unknown,
  job: { jobId?: string; total: number },
): Promise<R> {
  const { jobId } = job;
  if (jobId == null) return execute(context, op, args);
  if (!JOB_ID_PATTERN.test(jobId))
    throw new InvalidError('invalid jobId', [
      { field: 'jobId', reason: 'must be 1-128 letters, digits and . _ : -' },
    ]);
  const owner = (await context.principal()).id;
  try {
    const result = await execute(context, op, args, {
      onProgress: (progress) => void live.reportProgress({ jobId, owner, ...progress, finished: false }),
    });
    const total = result.items.length;
    await live.reportProgress({
      jobId,
      owner,
      done: total,
      total,
      finished: true,
      indexed: result.indexed,
      failed: result.failed,
      ...(result.skipped !== undefined ? { skipped: result.skipped } : {}),
    });
    return result;
  } catch (error) {
    await live.reportProgress({
      jobId,
      owner,
      done: 0,
      total: job.total,
      finished: true,
      error: (error as Error).message,
    });
    throw error;
  }
}

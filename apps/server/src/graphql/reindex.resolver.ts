import { Args, Context, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { JSONScalar } from '@quarry/contract';
import type { ReindexJob } from '@quarry/search';
import { execute, type GraphqlContext } from './graphql.context';
import { GET_REINDEX_JOB, REINDEX_EMBEDDINGS } from '@quarry/search';

@ObjectType('ReindexJob', {
  description: 'Re-embedding every chunk with this instance’s model into a new vector index (one at a time).',
})
export class ReindexJobType {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'running, succeeded or failed' })
  status!: string;

  @Field({ description: 'embedding, swapping, catching-up or done' })
  phase!: string;

  @Field(() => Int, { description: 'chunks re-embedded so far' })
  chunks!: number;

  @Field(() => Int, { description: 'chunks the old index held when the job started' })
  total!: number;

  @Field(() => JSONScalar, {
    nullable: true,
    description: 'when it succeeded: { from, to, model, chunks, caughtUp }',
  })
  result?: unknown;

  @Field(() => String, { nullable: true })
  error?: string | null;

  @Field({ description: 'ISO 8601' })
  startedAt!: string;

  @Field(() => String, { nullable: true, description: 'ISO 8601' })
  finishedAt?: string | null;
}

function toJob(job: ReindexJob): ReindexJobType {
  return {
    id: job.id,
    status: job.status,
    phase: job.progress.phase,
    chunks: job.progress.chunks,
    total: job.progress.total,
    result: job.result ?? null,
    error: job.error ?? null,
    startedAt: job.started_at,
    finishedAt: job.finished_at ?? null,
  };
}

/** `quarry reindex --embeddings` and POST /v1/reindex, for GraphQL clients (the console). Admin only. */
@Resolver()
export class ReindexResolver {
  @Mutation(() => ReindexJobType, {
    description:
      'Re-embed every chunk with the configured model into a new vector index, then swap the alias; searches keep working meanwhile. With wait, answers when the job ends.',
  })
  async reindexEmbeddings(
    @Args('wait', { type: () => Boolean, nullable: true, description: 'answer when the job has ended' })
    wait: boolean | null,
    @Context() context: GraphqlContext,
  ): Promise<ReindexJobType> {
    return toJob(await execute(context, REINDEX_EMBEDDINGS, wait == null ? {} : { wait }));
  }

  @Query(() => ReindexJobType, {
    description: 'A re-embedding job: status, phase, chunks done of total, result or error.',
  })
  async reindexJob(
    @Args('id', { type: () => ID }) id: string,
    @Context() context: GraphqlContext,
  ): Promise<ReindexJobType> {
    return toJob(await execute(context, GET_REINDEX_JOB, { id }));
  }
}

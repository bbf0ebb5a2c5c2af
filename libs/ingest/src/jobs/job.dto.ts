import { ObjectType } from '@nestjs/graphql';
import { ApiSchema } from '@nestjs/swagger';
import { Prop } from '@quarry/contract';

/*
 * The job contract, declared once: the TypeScript type the job service stores, the JSON Schema of
 * the job operations' results (MCP outputSchema, OpenAPI) and the GraphQL object types all derive
 * from these classes. The stored and REST/MCP shape keeps its snake_case timestamps; GraphQL names
 * them in camelCase (`graphqlName`), as its other fields are.
 */

export const JOB_STAGES = ['fetch', 'extract', 'chunk', 'embed', 'index'] as const;
export type JobStage = (typeof JOB_STAGES)[number];
export const JOB_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const JOB_KINDS = ['sync', 'ingest'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

// Plain strings in GraphQL (a GraphQL enum would upper-case the values clients already read);
// the JSON Schema names the values.
const oneOf = (values: readonly string[]) => ({ enum: [...values] });

/** What happened to the items of a job, each counted once. */
@ObjectType('JobCounts')
export class JobCounts {
  @Prop({ type: 'int', description: 'items found at the source (files, API items, pages)' })
  found!: number;

  @Prop({ type: 'int', description: 'unchanged since the last run: neither extracted again nor embedded' })
  unchanged!: number;

  @Prop({ type: 'int', description: 'written to the index (new or changed)' })
  indexed!: number;

  @Prop({ type: 'int', description: 'changed items whose text was chunked and embedded again' })
  embedded!: number;

  @Prop({ type: 'int', description: 'not readable as text (the reason is in failures)' })
  skipped!: number;

  @Prop({ type: 'int' })
  failed!: number;

  @Prop({ type: 'int', description: 'removed from the index because they are gone from the source' })
  deleted!: number;
}

/**
 * For a job that resumes others: the part of `counts` done by the jobs it resumes. A resumed job's
 * counts are those of the whole sync, so `indexed + unchanged + skipped + failed = found` holds
 * across resumptions.
 */
@ObjectType('JobInherited', {
  description: "The part of a resumed job's counts done by the interrupted jobs it took over.",
})
export class JobInherited {
  @Prop({ type: 'int', description: 'documents they wrote (found in the index)' })
  indexed!: number;

  @Prop({ type: 'int' })
  embedded!: number;

  @Prop({ type: 'int', description: 'as they recorded it' })
  deleted!: number;
}

@ObjectType('JobFailure')
export class JobFailure {
  @Prop({ type: 'string', description: 'the file, URL or item' })
  item!: string;

  @Prop({ type: 'string', schema: oneOf([...JOB_STAGES, 'delete']) })
  stage!: JobStage | 'delete';

  @Prop({ type: 'string' })
  reason!: string;

  @Prop({ type: 'boolean', optional: true, description: 'skipped (not readable as text) rather than failed' })
  skipped?: boolean;
}

@ObjectType('Job', { description: 'An ingestion job (a source sync), from whichever instance runs it.' })
@ApiSchema({ name: 'Job' })
export class JobState {
  @Prop({ type: 'id' })
  id!: string;

  @Prop({ type: 'string', description: '"sync" or "ingest"', schema: oneOf(JOB_KINDS) })
  kind!: JobKind;

  @Prop({ type: 'string', optional: true })
  source?: string;

  @Prop({ type: 'string', optional: true })
  collection?: string;

  @Prop({
    type: 'string',
    optional: true,
    description: 'the principal that started it: only it (and admins) may follow its progress live',
  })
  owner?: string;

  @Prop({
    type: 'string',
    description: '"running", "succeeded", "failed", "cancelled" or "interrupted" (its instance died)',
    schema: oneOf(JOB_STATUSES),
  })
  status!: JobStatus;

  @Prop({ type: 'string', optional: true, description: 'the interrupted job this one took over' })
  resumes?: string;

  @Prop({ type: 'string', optional: true, description: 'for an interrupted job: the job that took it over' })
  resumedBy?: string;

  @Prop({
    type: () => JobInherited,
    optional: true,
    description: 'for a resumed job, whose counts are those of the whole sync: the part done before it',
  })
  inherited?: JobInherited;

  @Prop({
    type: 'string',
    description:
      'fetch, extract, chunk, embed or index: the stage being worked on (the last reached when it ended)',
    schema: oneOf(JOB_STAGES),
  })
  stage!: JobStage;

  @Prop({
    type: 'json',
    description: 'items done per stage',
    schema: {
      properties: Object.fromEntries(JOB_STAGES.map((stage) => [stage, { type: 'integer' }])),
      required: [...JOB_STAGES],
    },
  })
  stages!: Record<JobStage, number>;

  @Prop({ type: () => JobCounts })
  counts!: JobCounts;

  @Prop({
    type: () => JobFailure,
    array: true,
    description: 'reasons for skipped and failed items (the first 200)',
  })
  failures!: JobFailure[];

  @Prop({ type: 'string', optional: true })
  error?: string;

  @Prop({ type: 'date', graphqlName: 'createdAt', description: 'ISO 8601' })
  created_at!: string;

  @Prop({ type: 'date', graphqlName: 'updatedAt', description: 'ISO 8601' })
  updated_at!: string;

  @Prop({ type: 'date', optional: true, graphqlName: 'finishedAt', description: 'ISO 8601' })
  finished_at?: string;
}

/** What list_jobs answers. */
export class JobList {
  @Prop({ type: () => JobState, array: true, description: 'newest first' })
  jobs!: JobState[];
}

import {
  CLIENT_CAPABILITIES_META_KEY,
  INVALID_PARAMS,
  MissingRequiredClientCapabilityError,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { OperationRef } from '@quarry/core';
import { CANCEL_JOB, GET_JOB, SYNC_SOURCE, type JobState } from '@quarry/ingest';
import { GET_REINDEX_JOB, REINDEX_EMBEDDINGS, reindexJobStage, type ReindexJob } from '@quarry/search';
import { McpWireError, type McpCall, type McpRequests } from './mcp.requests';

/** The MCP tasks extension (SEP-2663) of the 2026-07-28 revision. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/**
 * Tools whose work is a job: a client that declares the tasks extension gets a task back at once
 * instead of waiting, and polls or cancels it with tasks/get and tasks/cancel. A sync is a Quarry
 * job (stored in the metadata index with its progress, so any instance answers); a re-embedding
 * job is kept by the instance that runs it (there is one at a time), which alone answers for it.
 */
const JOB_TOOLS = new Set<string>([SYNC_SOURCE, REINDEX_EMBEDDINGS]);

/** A job behind a task, whichever kind, as the tasks extension needs it. */
interface JobRecord {
  id: string;
  /** Quarry's words: running, succeeded, failed, cancelled, interrupted. */
  status: string;
  stage?: string;
  error?: string;
  created_at: string;
  updated_at: string;
  /** The operation that reads the job: its tool's text is the task result's text. */
  readBy: typeof GET_JOB | typeof GET_REINDEX_JOB;
  record: unknown;
}

function syncJobRecord(job: JobState): JobRecord {
  return { ...job, readBy: GET_JOB, record: job };
}

function reindexJobRecord(job: ReindexJob): JobRecord {
  return {
    id: job.id,
    status: job.status,
    stage: reindexJobStage(job),
    error: job.error,
    created_at: job.started_at,
    updated_at: job.updated_at,
    readBy: GET_REINDEX_JOB,
    record: job,
  };
}

/** How often a client polling a job's task should ask again. */
const POLL_INTERVAL_MS = 1000;

export function clientDeclaresTasks(ctx: ServerContext): boolean {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const capabilities = envelope?.[CLIENT_CAPABILITIES_META_KEY] as
    { extensions?: Record<string, unknown> } | undefined;
  return capabilities?.extensions?.[TASKS_EXTENSION] !== undefined;
}

export function runsAsTask(tool: string, ctx: ServerContext): boolean {
  return JOB_TOOLS.has(tool) && clientDeclaresTasks(ctx);
}

/** A task id that is no job (or none this principal may see): invalid params, as SEP-2663 says. */
class UnknownTaskError extends McpWireError {
  constructor(taskId: string) {
    super(INVALID_PARAMS, `unknown task ${taskId}`, { taskId });
  }
}

const isUnknown = (error: unknown) => error instanceof UnknownTaskError;

function requireTasks(ctx: ServerContext): void {
  if (!clientDeclaresTasks(ctx))
    throw new MissingRequiredClientCapabilityError({
      requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
    } as never);
}

/** The task fields every task-shaped answer carries, from the job record. */
function taskOf(job: JobRecord) {
  const status =
    job.status === 'running'
      ? 'working'
      : job.status === 'cancelled'
        ? 'cancelled'
        : job.status === 'interrupted'
          ? 'failed'
          : 'completed';
  return {
    taskId: job.id,
    status,
    statusMessage: `${job.status}${job.stage ? `: ${job.stage}` : ''}`,
    createdAt: job.created_at,
    lastUpdatedAt: job.updated_at,
    // Job records are kept with the registry's other records, not expired with the task.
    ttlMs: null,
    pollIntervalMs: POLL_INTERVAL_MS,
  };
}

/**
 * Tasks backed by Quarry's job records: creating one starts the job (without waiting), tasks/get
 * reads the record (so any instance answers), tasks/cancel cancels the job. Access is the job
 * operations' own: only a principal that may see a job's collection sees its task.
 */
export class McpTasks {
  constructor(private readonly requests: McpRequests) {}

  /** Starts the tool's job and answers with the task (a CreateTaskResult). */
  async create(tool: string, args: Record<string, unknown>, call: McpCall) {
    const started = await this.requests.callTool(tool, { ...args, wait: false }, call);
    if (started.isError) return started;
    const job = started.structuredContent as unknown;
    const record =
      tool === REINDEX_EMBEDDINGS ? reindexJobRecord(job as ReindexJob) : syncJobRecord(job as JobState);
    return { resultType: 'task', ...taskOf(record) };
  }

  /** The job behind a task; errors coded `hidden` (by default a missing job) are an unknown task. */
  private job<A, R>(
    op: OperationRef<A, R>,
    taskId: string,
    call: McpCall,
    hidden = ['not_found'],
  ): Promise<R> {
    return this.requests.runOperation(op, { id: taskId }, call).catch((error: McpWireError) => {
      const code = (error.data as { code?: string } | undefined)?.code;
      throw code && hidden.includes(code) ? new UnknownTaskError(taskId) : error;
    });
  }

  /**
   * A task id is its job's id: a Quarry job first, else a re-embedding job (which only an admin
   * may read: to anyone else it is as unknown as a missing one; and its ids are UUIDs).
   */
  private async record(taskId: string, call: McpCall): Promise<JobRecord> {
    try {
      return syncJobRecord(await this.job(GET_JOB, taskId, call));
    } catch (error) {
      if (!isUnknown(error)) throw error;
      return reindexJobRecord(await this.reindexJob(taskId, call));
    }
  }

  private reindexJob(taskId: string, call: McpCall): Promise<ReindexJob> {
    return this.job(GET_REINDEX_JOB, taskId, call, ['not_found', 'forbidden', 'invalid']);
  }

  /** tasks/get: the task, with the tool's result once the job has ended. */
  async get(taskId: string, ctx: ServerContext, call: McpCall) {
    requireTasks(ctx);
    const job = await this.record(taskId, call);
    const task = taskOf(job);
    if (task.status === 'working' || task.status === 'cancelled') return task;
    if (job.status === 'interrupted')
      return {
        ...task,
        error: { code: -32603, message: `job ${job.id} was interrupted: ${job.error ?? ''}` },
      };
    return {
      ...task,
      result: {
        content: [{ type: 'text', text: this.requests.summarize(job.readBy, job.record) }],
        structuredContent: job.record as Record<string, unknown>,
        // A job that ran and failed is the tool failing, not the protocol (SEP-2663).
        ...(job.status === 'failed' ? { isError: true } : {}),
      },
    };
  }

  /** tasks/cancel: an empty ack; the next tasks/get shows the cancelled task. */
  async cancel(taskId: string, ctx: ServerContext, call: McpCall) {
    requireTasks(ctx);
    try {
      await this.job(CANCEL_JOB, taskId, call);
    } catch (error) {
      if (!isUnknown(error)) throw error;
      // No operation cancels a re-embedding job: it is aborted only when its instance shuts down.
      const job = await this.reindexJob(taskId, call);
      if (job.status === 'running')
        throw new McpWireError(
          INVALID_PARAMS,
          `task ${taskId} is a re-embedding job, which cannot be cancelled; it ends on its own`,
          { taskId },
        );
    }
    return {};
  }
}

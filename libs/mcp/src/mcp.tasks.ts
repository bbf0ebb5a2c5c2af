import {
  CLIENT_CAPABILITIES_META_KEY,
  INVALID_PARAMS,
  MissingRequiredClientCapabilityError,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { OperationRef } from '@quarry/core';
import { CANCEL_JOB, GET_JOB, SYNC_SOURCE, type JobState } from '@quarry/ingest';
import { McpWireError, type McpCall, type McpRequests } from './mcp.requests';

/** The MCP tasks extension (SEP-2663) of the 2026-07-28 revision. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/**
 * Tools whose work is a Quarry job (stored in the metadata index with its progress, followed by
 * any instance): a client that declares the tasks extension gets a task back at once instead of
 * waiting, and polls or cancels it with tasks/get and tasks/cancel, from any instance.
 */
const JOB_TOOLS = new Set<string>([SYNC_SOURCE]);

/** The job record as the tasks extension needs it. */
type JobRecord = Pick<JobState, 'id' | 'status' | 'stage' | 'error' | 'created_at' | 'updated_at'>;

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
    return { resultType: 'task', ...taskOf(started.structuredContent as unknown as JobRecord) };
  }

  /** The job behind a task; an unknown (or invisible) one is invalid params, as SEP-2663 says. */
  private job<A, R>(op: OperationRef<A, R>, taskId: string, call: McpCall): Promise<R> {
    return this.requests.runOperation(op, { id: taskId }, call).catch((error: McpWireError) => {
      const missing = (error.data as { code?: string } | undefined)?.code === 'not_found';
      throw missing ? new McpWireError(INVALID_PARAMS, `unknown task ${taskId}`, { taskId }) : error;
    });
  }

  /** tasks/get: the task, with the tool's result once the job has ended. */
  async get(taskId: string, ctx: ServerContext, call: McpCall) {
    requireTasks(ctx);
    const job = await this.job(GET_JOB, taskId, call);
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
        content: [{ type: 'text', text: this.requests.summarize(GET_JOB, job) }],
        structuredContent: job,
        // A sync that ran and failed is the tool failing, not the protocol (SEP-2663).
        ...(job.status === 'failed' ? { isError: true } : {}),
      },
    };
  }

  /** tasks/cancel: an empty ack; the next tasks/get shows the cancelled task. */
  async cancel(taskId: string, ctx: ServerContext, call: McpCall) {
    requireTasks(ctx);
    await this.job(CANCEL_JOB, taskId, call);
    return {};
  }
}

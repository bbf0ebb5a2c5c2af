import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { withRequestId } from './request-context';
import type { OperationRef } from './operation-ref';
import {
  InvalidError,
  NotFoundError,
  ForbiddenError,
  QuarryError,
  toQuarryError,
  type FieldProblem,
} from './errors';

/** The roles, least to most: each may do what the ones before it may. */
export const ROLES = ['reader', 'writer', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export type Transport = 'rest' | 'graphql' | 'mcp-ws' | 'mcp-http' | 'mcp-stdio' | 'cli' | 'internal';

/** Who is asking. Roles nest: an admin may do what a writer may, a writer what a reader may. */
export interface Principal {
  id: string;
  role: Role;
  /** When set, the principal only sees and writes these collections. */
  collections?: string[];
  /**
   * Groups the principal belongs to (an OAuth token's groups claim, an API key's groups): a
   * document whose `access` names groups is visible to members of any of them.
   */
  groups?: string[];
  /** The user behind the credentials (a token's `sub`): a document's `access.users` may name it. */
  user?: string;
  /** Epoch milliseconds after which the credentials are no longer valid (a JWT's `exp`). */
  expiresAt?: number;
  /**
   * An operator on this machine (protected mode's local admin, the CLI, stdio): rate limits do
   * not apply. Set where the principal is made, never derived from its id, so no key or token
   * can claim it by name.
   */
  unmetered?: boolean;
}

export interface Envelope<A = unknown> {
  op: string;
  args: A;
  principal: Principal;
  transport: Transport;
  requestId: string;
  signal?: AbortSignal;
  /** Progress reports of long operations (MCP progress notifications, CLI progress bar). */
  onProgress?: (progress: { done: number; total: number; message?: string }) => void;
  /**
   * What this request costs (rate-limit tokens): set by the message manager from the operation's
   * declared `cost` before the plugins run; whatever an edge puts here is replaced.
   */
  cost?: number;
}

export interface OperationContext {
  principal: Principal;
  transport: Transport;
  requestId: string;
  signal: AbortSignal;
  onProgress: (progress: { done: number; total: number; message?: string }) => void;
}

type DtoClass<A> = new () => A;

/** MCP tool hints (https://modelcontextprotocol.io/specification: tool annotations). */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** How an operation is offered as an MCP tool. */
export interface ToolExposure<R = unknown> {
  title: string;
  annotations: ToolAnnotations;
  /** JSON Schema of the result (MCP structuredContent). */
  outputSchema: Record<string, unknown>;
  /** Readable text of a result, for clients that show text only. */
  summarize(result: R): string;
}

/** Method-style (bivariant), like `run`, so an Operation<SearchInput> still fits a list of Operation<never>. */
type CostFunction<A> = { cost(args: A): number }['cost'];

/**
 * One thing Quarry can do (search, index documents, ...). Its input class carries the
 * class-validator rules, so validation is declared once and applies to every edge.
 */
export interface Operation<A = unknown, R = unknown> {
  name: string;
  description: string;
  /** Minimum role allowed to run it. */
  role: Role;
  /** Class-validator DTO for the arguments; omitted for operations without input. */
  input?: DtoClass<A>;
  /** Present when the operation is also an MCP tool of the same name. */
  tool?: ToolExposure<R>;
  /**
   * Work one call does, in units of one Elasticsearch query (1 when omitted): rate limits take
   * this many tokens, and GraphQL fields declare the same function as their complexity.
   */
  cost?: number | CostFunction<A>;
  /**
   * Writes and registry changes declare what the audit trail records of a call: the ids or
   * names it touched. Operations without it are not audited.
   */
  audit?: AuditFunction<A, R>;
  /** What a call moved, for the metrics beyond requests and latency (documents written, bytes). */
  meter?: MeterFunction<A, R>;
  run(args: A, context: OperationContext): Promise<R>;
}

export interface AuditRecord {
  ids: string[];
  /** Items of a batch that were refused. */
  failed?: number;
}

export interface Metering {
  /** Documents written, by outcome (`created`, `updated`, `unchanged`, `failed`). */
  documents?: Record<string, number>;
  /** Bytes of text received. */
  bytes?: number;
}

/** The audit record of an operation on one named thing (a tool, prompt, key or source). */
export const auditByName = (args: { name: string }): AuditRecord => ({ ids: [args.name] });

/** The audit record of a batch: every item's id (`#index` when it had none) and how many failed. */
export function auditBatch(
  result: { items: { id?: string; index: number }[]; failed: number } | undefined,
): AuditRecord {
  return result
    ? { ids: result.items.map((item) => item.id ?? `#${item.index}`), failed: result.failed }
    : { ids: [] };
}

/** Documents written by outcome, as the ingest metrics count them. */
export function meterBatch(items: { status: string }[], bytes: number): Metering {
  const documents: Record<string, number> = {};
  for (const item of items) documents[item.status] = (documents[item.status] ?? 0) + 1;
  return { documents, bytes };
}

type AuditFunction<A, R> = { audit(args: A, result: R | undefined): AuditRecord }['audit'];
type MeterFunction<A, R> = { meter(args: A, result: R): Metering }['meter'];

export interface Outcome {
  op: string;
  /** The operation that ran (undefined when the name was unknown). */
  operation?: Operation;
  /** Validated arguments (undefined when validation failed). */
  args?: unknown;
  transport: Transport;
  principal: Principal;
  requestId: string;
  durationMs: number;
  error?: QuarryError;
}

/**
 * Cross-cutting concerns (metrics, audit, rate limits, logging) hook into the one request
 * lifecycle instead of being repeated in every edge, like Apollo Server plugins.
 */
export interface MessageManagerPlugin {
  /** Runs after validation and authorization, before the operation; throw to refuse (e.g. rate limit). */
  beforeRun?(envelope: Envelope, operation: Operation): Promise<void> | void;
  /** Runs once per request, whatever the outcome. */
  afterRun?(outcome: Outcome, result?: unknown): void;
}

const ROLE_RANK: Record<Role, number> = { reader: 0, writer: 1, admin: 2 };

export function roleAllows(role: Role, required: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[required];
}

/** The declared cost of one call with these (validated) arguments; at least 1. */
export function costOf(operation: Operation, args: unknown): number {
  const cost = typeof operation.cost === 'function' ? operation.cost(args) : (operation.cost ?? 1);
  return Number.isFinite(cost) && cost >= 1 ? Math.ceil(cost) : 1;
}

/** Flattens class-validator's nested errors into `field.path: reason` problems. */
export function toFieldProblems(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent
      ? /^\d+$/.test(error.property)
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`
      : error.property;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ field, reason }));
    return [...own, ...toFieldProblems(error.children ?? [], field)];
  });
}

/** Validates `args` against a DTO class; resolves with the typed instance or throws InvalidError naming each field. */
export async function validateInput<A extends object>(
  input: DtoClass<A>,
  args: unknown,
  what = 'arguments',
): Promise<A> {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw new InvalidError(`${what} must be a JSON object`, [
      { field: '(root)', reason: 'must be an object' },
    ]);
  }
  const instance = plainToInstance(input, args, { enableImplicitConversion: false });
  const errors = await validate(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) {
    const problems = toFieldProblems(errors);
    throw new InvalidError(
      `invalid ${what}: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
      problems,
    );
  }
  return instance;
}

/**
 * The single path of every request from every edge: find the operation, validate, authorize,
 * run the plugins' checks, run, time, report. Edges only build envelopes and render results.
 */
export class MessageManager {
  private readonly operations = new Map<string, Operation>();
  private readonly plugins: MessageManagerPlugin[] = [];

  register(...operations: Operation<never, unknown>[]): this {
    for (const operation of operations) {
      if (this.operations.has(operation.name))
        throw new Error(`operation ${operation.name} registered twice`);
      this.operations.set(operation.name, operation as Operation);
    }
    return this;
  }

  use(plugin: MessageManagerPlugin): this {
    this.plugins.push(plugin);
    return this;
  }

  list(): Operation[] {
    return [...this.operations.values()];
  }

  get(name: string): Operation | undefined {
    return this.operations.get(name);
  }

  /** An operation named by its typed reference resolves with that operation's result type. */
  handle<A, R>(envelope: Envelope & { op: OperationRef<A, R> }): Promise<R>;
  /** By name: only where the name is data (a tool called by name), never a literal in an edge. */
  handle<R = unknown>(envelope: Envelope): Promise<R>;
  async handle<R = unknown>(envelope: Envelope): Promise<R> {
    const started = performance.now();
    const outcome: Outcome = {
      op: envelope.op,
      transport: envelope.transport,
      principal: envelope.principal,
      requestId: envelope.requestId,
      durationMs: 0,
    };
    let result: unknown;
    try {
      const operation = this.operations.get(envelope.op);
      if (!operation) throw new NotFoundError('operation', envelope.op);
      outcome.operation = operation;
      if (!roleAllows(envelope.principal.role, operation.role)) {
        throw new ForbiddenError(
          `${operation.name} needs the ${operation.role} role; ${envelope.principal.id} is ${envelope.principal.role}`,
        );
      }
      const args = operation.input
        ? await validateInput(operation.input as DtoClass<object>, envelope.args ?? {})
        : envelope.args;
      outcome.args = args;
      const metered: Envelope = { ...envelope, cost: costOf(operation, args) };
      for (const plugin of this.plugins) await plugin.beforeRun?.(metered, operation);
      const signal = envelope.signal ?? new AbortController().signal;
      if (signal.aborted) throw new QuarryError('invalid', 'request cancelled');
      result = await withRequestId(envelope.requestId, () =>
        operation.run(args, {
          principal: envelope.principal,
          transport: envelope.transport,
          requestId: envelope.requestId,
          signal,
          onProgress: envelope.onProgress ?? (() => undefined),
        }),
      );
      return result as R;
    } catch (error) {
      // A caller that gave up sees (and the metrics count) a cancellation, not the dependency
      // call it interrupted failing.
      outcome.error = envelope.signal?.aborted
        ? new QuarryError('invalid', 'request cancelled')
        : toQuarryError(error);
      throw outcome.error;
    } finally {
      outcome.durationMs = performance.now() - started;
      for (const plugin of this.plugins) {
        try {
          plugin.afterRun?.(outcome, result);
        } catch {
          // A failing metrics or audit plugin must not turn a served request into an error.
        }
      }
    }
  }
}

import {
  toQuarryError,
  type MessageManager,
  type OperationRef,
  type Principal,
  type Transport,
} from '@quarry/core';
import {
  COMPLETE,
  LIST_PROMPTS,
  LIST_RESOURCES,
  READ_RESOURCE,
  RENDER_PROMPT,
  SUBSCRIBE_RESOURCE,
  type PromptManager,
  type ResourceManager,
  type ToolRegistry,
} from '@quarry/registry';

/** What the MCP requests need, whichever SDK server and protocol revision carry them. */
export interface McpRequestDependencies {
  manager: MessageManager;
  tools: ToolRegistry;
  prompts: PromptManager;
  resources: ResourceManager;
}

/** One request as both eras' servers see it: who asks, over what, and its cancellation. */
export interface McpCall {
  principal: Principal;
  transport: Transport;
  /** Unique across instances: a session id and JSON-RPC id, or a fresh id per stateless request. */
  requestId: string;
  signal: AbortSignal;
}

/** A JSON-RPC error to send: the SDK servers of each era wrap it in their own error class. */
export class McpWireError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** A QuarryError as a JSON-RPC error with the code from the one error table. */
export function toWireError(error: unknown): McpWireError {
  if (error instanceof McpWireError) return error;
  const mapped = toQuarryError(error);
  return new McpWireError(mapped.mapping.jsonRpc, mapped.message, mapped.toJSON().error);
}

export const SERVER_INFO = { name: 'quarry', title: 'Quarry' } as const;

export const INSTRUCTIONS =
  "Quarry searches an organisation's documents. Use `search` (hybrid by default; `@collection` words scope a query), " +
  'then `get_document` or the quarry://documents/{id} resource for full text. `list_collections` shows what exists.';

// A type, not an interface: the SDKs' result types want an index signature.
export type ToolCallOutcome = {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

export type ProgressSender = (progress: { done: number; total?: number; message?: string }) => void;

/**
 * The MCP requests Quarry answers, each turned into a message-manager envelope with the caller's
 * principal. Both the 2025 session servers and the 2026-07-28 per-request servers register these,
 * so the eras cannot drift apart; nothing here keeps state between requests.
 */
export class McpRequests {
  constructor(private readonly deps: McpRequestDependencies) {}

  /** Runs one operation of the message manager for an MCP request (as tasks/get runs get_job). */
  runOperation<A, R>(op: OperationRef<A, R>, args: unknown, call: McpCall): Promise<R> {
    return this.run(op, args, call);
  }

  /** A tool's text for its result, as tools/call would give it. */
  summarize(tool: string, result: unknown): string {
    return this.deps.tools.get(tool)?.summarize(result) ?? JSON.stringify(result);
  }

  private run<A, R>(op: OperationRef<A, R>, args: unknown, call: McpCall): Promise<R> {
    return this.deps.manager
      .handle({
        op,
        args,
        principal: call.principal,
        transport: call.transport,
        requestId: call.requestId,
        signal: call.signal,
      })
      .catch((error: unknown) => {
        throw toWireError(error);
      });
  }

  listTools(principal: Principal) {
    return {
      tools: this.deps.tools.list(principal).map((t) => ({
        name: t.name,
        title: t.title,
        description: t.description,
        inputSchema: t.inputSchema as never,
        ...(t.outputSchema ? { outputSchema: t.outputSchema as never } : {}),
        annotations: t.annotations,
      })),
    };
  }

  /** Whether and why `name` is no tool of this principal: thrown before anything runs. */
  private toolFor(name: string, principal: Principal) {
    const tool = this.deps.tools.list(principal).find((t) => t.name === name);
    if (tool) return tool;
    const exists = this.deps.tools.get(name);
    throw exists
      ? new McpWireError(
          -32003,
          `tool ${name} needs the ${exists.role} role; this session is ${principal.role}`,
        )
      : new McpWireError(-32602, `unknown tool "${name}"`);
  }

  /**
   * Bad arguments are the caller's protocol mistake (a JSON-RPC error); everything else is the
   * tool failing, reported in the result with `isError` so the model can read it.
   */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    call: McpCall,
    onProgress?: ProgressSender,
    log?: (level: 'debug' | 'warning', data: unknown) => void,
  ): Promise<ToolCallOutcome> {
    const tool = this.toolFor(name, call.principal);
    try {
      const { op, args: opArgs } = tool.toEnvelope(args);
      const result = await this.deps.manager.handle({
        op,
        args: opArgs,
        principal: call.principal,
        transport: call.transport,
        requestId: call.requestId,
        signal: call.signal,
        onProgress,
      });
      log?.('debug', { tool: tool.name, outcome: 'ok' });
      return {
        content: [{ type: 'text', text: tool.summarize(result) }],
        structuredContent: result as Record<string, unknown>,
      };
    } catch (error) {
      const mapped = toQuarryError(error);
      if (mapped.kind === 'invalid' || mapped.kind === 'forbidden') throw toWireError(mapped);
      log?.('warning', { tool: tool.name, error: mapped.message });
      return { isError: true, content: [{ type: 'text', text: `${tool.name} failed: ${mapped.message}` }] };
    }
  }

  async listResources(cursor: string | undefined, call: McpCall) {
    const { resources, nextCursor } = await this.run(LIST_RESOURCES, cursor ? { cursor } : {}, call);
    return { resources, ...(nextCursor ? { nextCursor } : {}) };
  }

  listResourceTemplates() {
    return { resourceTemplates: this.deps.resources.templates() };
  }

  /** A missing or unknown resource's error names its URI in `data.uri`, as 2026-07-28 asks. */
  readResource(uri: string, call: McpCall) {
    return this.run(READ_RESOURCE, { uri }, call).catch((error: McpWireError) => {
      const data = error.data as { code?: string } | undefined;
      const noSuchResource = data?.code === 'not_found' || data?.code === 'invalid';
      throw noSuchResource ? new McpWireError(error.code, error.message, { ...data, uri }) : error;
    });
  }

  /** Only checks that the principal may read `uri`: who listens for it is the transport's state. */
  async authorizeSubscription(uri: string, call: McpCall): Promise<void> {
    await this.run(SUBSCRIBE_RESOURCE, { uri }, call);
  }

  listPrompts(call: McpCall) {
    return this.run(LIST_PROMPTS, {}, call);
  }

  async renderPrompt(name: string, args: Record<string, string> | undefined, call: McpCall) {
    // Spread into a plain object: the SDKs' result types want an index signature.
    return { ...(await this.run(RENDER_PROMPT, { name, arguments: args ?? {} }, call)) };
  }

  async complete(
    ref: { type: string },
    argument: { name: string; value?: string },
    call: McpCall,
  ): Promise<{ completion: { values: string[]; total: number; hasMore: boolean } }> {
    let kind: 'collection' | 'document' | undefined;
    if (ref.type === 'ref/resource') {
      kind = argument.name === 'id' ? 'document' : argument.name === 'name' ? 'collection' : undefined;
    } else if (argument.name === 'collection') {
      kind = 'collection';
    }
    const values = kind
      ? (await this.run(COMPLETE, { kind, prefix: argument.value ?? '' }, call)).values
      : [];
    return {
      completion: { values: values.slice(0, 100), total: values.length, hasMore: values.length > 100 },
    };
  }
}

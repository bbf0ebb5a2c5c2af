import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { toQuarryError, type MessageManager, type Principal, type Transport } from '@quarry/core';
import type { PromptManager, ResourceManager, ToolRegistry } from '@quarry/registry';
import { LOG_LEVELS, type LogLevel, type SessionHandle, type SessionHub } from './session.hub';
import { sendPlainErrorMessages } from './wire-errors';

export interface McpDependencies {
  manager: MessageManager;
  tools: ToolRegistry;
  prompts: PromptManager;
  resources: ResourceManager;
  hub: SessionHub;
  version: string;
}

/** A QuarryError as a JSON-RPC error with the code from the one error table. */
export function toMcpError(error: unknown): McpError {
  if (error instanceof McpError) return error;
  const mapped = toQuarryError(error);
  const data = mapped.toJSON().error;
  return new McpError(mapped.mapping.jsonRpc, mapped.message, data);
}

/**
 * One MCP session: an SDK Server whose handlers turn every request into a message-manager
 * envelope. Transports (WebSocket, Streamable HTTP, stdio) only connect it.
 */
export function createMcpSession(
  deps: McpDependencies,
  principal: Principal,
  transport: Transport,
): { server: Server; session: SessionHandle } {
  const server = new Server(
    { name: 'quarry', title: 'Quarry', version: deps.version },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
      instructions:
        "Quarry searches an organisation's documents. Use `search` (hybrid by default; `@collection` words scope a query), " +
        'then `get_document` or the quarry://documents/{id} resource for full text. `list_collections` shows what exists.',
    },
  );
  // Every transport this session is connected to sends error messages without the SDK's prefix.
  const connect = server.connect.bind(server);
  server.connect = (transport) => connect(sendPlainErrorMessages(transport));
  const notify = (send: () => Promise<void>) => void send().catch(() => undefined);
  const session: SessionHandle = {
    id: randomUUID(),
    principal,
    subscriptions: new Set(),
    logLevel: 'info',
    toolsChanged: () => notify(() => server.sendToolListChanged()),
    promptsChanged: () => notify(() => server.sendPromptListChanged()),
    resourcesChanged: () => notify(() => server.sendResourceListChanged()),
    resourceUpdated: (uri) => notify(() => server.sendResourceUpdated({ uri })),
  };
  const log = (level: LogLevel, data: unknown) => {
    if (LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(session.logLevel)) {
      notify(() => server.sendLoggingMessage({ level, logger: 'quarry', data }));
    }
  };
  const envelope = (
    op: string,
    args: unknown,
    extra: { signal: AbortSignal; requestId: string | number },
  ) => ({
    op,
    args,
    principal,
    transport,
    requestId: `${session.id}:${extra.requestId}`,
    signal: extra.signal,
  });
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw toMcpError(error);
    }
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: deps.tools.list(principal).map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: t.inputSchema as never,
      ...(t.outputSchema ? { outputSchema: t.outputSchema as never } : {}),
      annotations: t.annotations,
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = deps.tools.list(principal).find((t) => t.name === request.params.name);
    if (!tool) {
      const exists = deps.tools.get(request.params.name);
      throw exists
        ? new McpError(
            -32003,
            `tool ${request.params.name} needs the ${exists.role} role; this session is ${principal.role}`,
          )
        : new McpError(ErrorCode.InvalidParams, `unknown tool "${request.params.name}"`);
    }
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    const progressToken = request.params._meta?.progressToken;
    // Progress must reach the client before the result: the client stops listening once it has it.
    const progressSent: Promise<unknown>[] = [];
    try {
      const { op, args: opArgs } = tool.toEnvelope(args);
      const result = await deps.manager.handle({
        ...envelope(op, opArgs, extra),
        onProgress:
          progressToken === undefined
            ? undefined
            : ({ done, total, message }) => {
                progressSent.push(
                  extra
                    .sendNotification({
                      method: 'notifications/progress',
                      params: { progressToken, progress: done, total, ...(message ? { message } : {}) },
                    })
                    .catch(() => undefined),
                );
              },
      });
      await Promise.all(progressSent);
      log('debug', { tool: tool.name, outcome: 'ok' });
      return {
        content: [{ type: 'text', text: tool.summarize(result) }],
        structuredContent: result as Record<string, unknown>,
      };
    } catch (error) {
      const mapped = toQuarryError(error);
      // Bad arguments are the caller's protocol mistake; everything else is the tool failing.
      if (mapped.kind === 'invalid' || mapped.kind === 'forbidden') throw toMcpError(mapped);
      log('warning', { tool: tool.name, error: mapped.message });
      return { isError: true, content: [{ type: 'text', text: `${tool.name} failed: ${mapped.message}` }] };
    }
  });

  // Every capability runs as an operation of the message manager, with this session's principal.
  const run = <T>(op: string, args: unknown, extra: { signal: AbortSignal; requestId: string | number }) =>
    guard(() => deps.manager.handle<T>(envelope(op, args, extra)));

  server.setRequestHandler(ListResourcesRequestSchema, async (request, extra) => {
    const { resources, nextCursor } = await run<{ resources: never[]; nextCursor?: string }>(
      'list_resources',
      request.params?.cursor ? { cursor: request.params.cursor } : {},
      extra,
    );
    return { resources, ...(nextCursor ? { nextCursor } : {}) };
  });
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: deps.resources.templates(),
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (request, extra) =>
    run<{ contents: never[] }>('read_resource', { uri: request.params.uri }, extra),
  );
  server.setRequestHandler(SubscribeRequestSchema, async (request, extra) => {
    await run('subscribe_resource', { uri: request.params.uri }, extra);
    session.subscriptions.add(request.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    session.subscriptions.delete(request.params.uri);
    return {};
  });

  server.setRequestHandler(ListPromptsRequestSchema, (_request, extra) =>
    run<{ prompts: never[] }>('list_prompts', {}, extra),
  );
  server.setRequestHandler(GetPromptRequestSchema, (request, extra) =>
    run<never>(
      'render_prompt',
      { name: request.params.name, arguments: request.params.arguments ?? {} },
      extra,
    ),
  );

  server.setRequestHandler(CompleteRequestSchema, async (request, extra) => {
    const { ref, argument } = request.params;
    let kind: 'collection' | 'document' | undefined;
    if (ref.type === 'ref/resource') {
      kind = argument.name === 'id' ? 'document' : argument.name === 'name' ? 'collection' : undefined;
    } else if (argument.name === 'collection') {
      kind = 'collection';
    }
    const values = kind
      ? (await run<{ values: string[] }>('complete', { kind, prefix: argument.value ?? '' }, extra)).values
      : [];
    return {
      completion: { values: values.slice(0, 100), total: values.length, hasMore: values.length > 100 },
    };
  });

  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    session.logLevel = request.params.level as LogLevel;
    return {};
  });

  server.onclose = () => deps.hub.remove(session.id);
  deps.hub.add(session);
  return { server, session };
}

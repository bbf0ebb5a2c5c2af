import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
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
import type { Principal, Transport } from '@quarry/core';
import {
  INSTRUCTIONS,
  McpRequests,
  SERVER_INFO,
  toWireError,
  type McpCall,
  type McpRequestDependencies,
} from './mcp.requests';
import { LOG_LEVELS, type LogLevel, type SessionHandle, type SessionHub } from './session.hub';
import { sendPlainErrorMessages } from './wire-errors';

export interface McpDependencies extends McpRequestDependencies {
  hub: SessionHub;
  requests: McpRequests;
  version: string;
}

/** A QuarryError as a JSON-RPC error (of the 2025 SDK) with the code from the one error table. */
export function toMcpError(error: unknown): McpError {
  if (error instanceof McpError) return error;
  const wire = toWireError(error);
  return new McpError(wire.code, wire.message, wire.data);
}

/**
 * One 2025-era MCP session (initialize, then requests on it): an SDK Server whose handlers are
 * Quarry's McpRequests. Transports (WebSocket, Streamable HTTP sessions, stdio) only connect it.
 */
export function createMcpSession(
  deps: McpDependencies,
  principal: Principal,
  transport: Transport,
): { server: Server; session: SessionHandle } {
  const server = new Server(
    { ...SERVER_INFO, version: deps.version },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
      instructions: INSTRUCTIONS,
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
  const call = (extra: { signal: AbortSignal; requestId: string | number }): McpCall => ({
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
  const requests = deps.requests;

  server.setRequestHandler(ListToolsRequestSchema, async () => requests.listTools(principal));

  server.setRequestHandler(CallToolRequestSchema, (request, extra): Promise<CallToolResult> => {
    const progressToken = request.params._meta?.progressToken;
    // Progress must reach the client before the result: the client stops listening once it has it.
    const progressSent: Promise<unknown>[] = [];
    return guard(async () => {
      const outcome = await requests.callTool(
        request.params.name,
        (request.params.arguments ?? {}) as Record<string, unknown>,
        call(extra),
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
        log,
      );
      await Promise.all(progressSent);
      return outcome;
    });
  });

  server.setRequestHandler(ListResourcesRequestSchema, (request, extra) =>
    guard(() => requests.listResources(request.params?.cursor, call(extra))),
  );
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => requests.listResourceTemplates());
  server.setRequestHandler(ReadResourceRequestSchema, (request, extra) =>
    guard(() => requests.readResource(request.params.uri, call(extra))),
  );
  server.setRequestHandler(SubscribeRequestSchema, (request, extra) =>
    guard(async () => {
      await requests.authorizeSubscription(request.params.uri, call(extra));
      session.subscriptions.add(request.params.uri);
      return {};
    }),
  );
  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    session.subscriptions.delete(request.params.uri);
    return {};
  });

  server.setRequestHandler(ListPromptsRequestSchema, (_request, extra) =>
    guard(() => requests.listPrompts(call(extra))),
  );
  server.setRequestHandler(GetPromptRequestSchema, (request, extra) =>
    guard(() => requests.renderPrompt(request.params.name, request.params.arguments, call(extra))),
  );
  server.setRequestHandler(CompleteRequestSchema, (request, extra) =>
    guard(() => requests.complete(request.params.ref, request.params.argument, call(extra))),
  );

  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    session.logLevel = request.params.level as LogLevel;
    return {};
  });

  server.onclose = () => deps.hub.remove(session.id);
  deps.hub.add(session);
  return { server, session };
}

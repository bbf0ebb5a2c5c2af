import { randomUUID } from 'node:crypto';
import {
  INVALID_PARAMS,
  ProtocolError,
  Server,
  type AuthInfo,
  type LoggingLevel,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Principal, Transport } from '@quarry/core';
import {
  INSTRUCTIONS,
  McpRequests,
  McpWireError,
  SERVER_INFO,
  toWireError,
  type McpCall,
  type McpRequestDependencies,
} from './mcp.requests';
import type { SessionHandle, SessionHub } from './session.hub';
import { McpTasks, runsAsTask, TASKS_EXTENSION } from './mcp.tasks';
import { sendPlainErrorMessages } from './wire-errors';

export interface McpDependencies extends McpRequestDependencies {
  hub: SessionHub;
  requests: McpRequests;
  version: string;
}

/** MCP log levels from the least to the most severe (RFC 5424's, as the protocol names them). */
const LOGGING_LEVELS: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

/** The 2026-07-28 revision: requests carry everything (no session), so any instance serves any. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** Which protocol era an instance serves and whether it lives as long as a connection. */
export interface McpServing {
  /** `modern` for 2026-07-28 (per-request envelope), `legacy` for the 2025 revisions. */
  era: 'legacy' | 'modern';
  /**
   * A connection (stdio, WebSocket, a 2025 HTTP session) holds its instance for its lifetime:
   * the instance joins the hub so changes made on any instance reach it. A 2026 HTTP request's
   * instance answers one request and never does.
   */
  connection: boolean;
}

/**
 * How the HTTP edge hands the authenticated principal to the per-request server: the SDK passes
 * `authInfo` through to the factory untouched and never derives it from headers.
 */
export function authInfoFor(principal: Principal, token = ''): AuthInfo {
  return { token, clientId: principal.id, scopes: [principal.role], extra: { principal } };
}

export function principalOf(authInfo: AuthInfo | undefined): Principal {
  const principal = authInfo?.extra?.principal as Principal | undefined;
  // The edge authenticates before the SDK sees a request; no principal is a wiring bug.
  if (!principal) throw new ProtocolError(-32603, 'internal error: request without a principal');
  return principal;
}

/**
 * An MCP server instance on the v2 SDK whose handlers are Quarry's McpRequests, for either era:
 * the SDK speaks server/discover, the per-request `_meta` envelope, `resultType` and the
 * 2026-07-28 error codes to modern clients, and the initialize handshake to 2025 clients.
 * Transports (Streamable HTTP, WebSocket, stdio) only connect it.
 */
export function createMcpServer(
  deps: McpDependencies,
  principal: Principal,
  transport: Transport,
  serving: McpServing,
): Server {
  const legacy = serving.era === 'legacy';
  const server = new Server(
    { ...SERVER_INFO, version: deps.version },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        completions: {},
        // Deprecated in 2026-07-28 (SEP-2577): offered to the 2025 clients that use it.
        ...(legacy ? { logging: {} } : { extensions: { [TASKS_EXTENSION]: {} } }),
      },
      instructions: INSTRUCTIONS,
    },
  );
  // Every transport this instance is connected to sends invalid params with each field named.
  const connect = server.connect.bind(server);
  server.connect = (t) => connect(sendPlainErrorMessages(t));
  const sessionId = randomUUID();
  // The JSON-RPC id repeats across clients and instances: the audit id must not.
  const call = (ctx: ServerContext): McpCall => ({
    principal,
    transport,
    requestId: `${serving.connection ? sessionId : randomUUID()}:${String(ctx.mcpReq.id)}`,
    signal: ctx.mcpReq.signal,
  });
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      // The SDK's own protocol errors (a missing client capability) keep their code.
      if (error instanceof ProtocolError) throw error;
      const wire = toWireError(error);
      throw new ProtocolError(wire.code, wire.message, wire.data);
    }
  };
  // Log messages go out from the level the client set (logging/setLevel), from info until it sets
  // one: a debug line for every tool call was an extra frame per call that no client had asked for.
  let minimumLevel: LoggingLevel = 'info';
  const log = (level: LoggingLevel, data: unknown) => {
    if (legacy && LOGGING_LEVELS.indexOf(level) >= LOGGING_LEVELS.indexOf(minimumLevel))
      void server.sendLoggingMessage({ level, logger: 'quarry', data }).catch(() => undefined);
  };
  if (legacy)
    server.setRequestHandler('logging/setLevel', async (request) => {
      minimumLevel = request.params.level;
      return {};
    });
  const requests = deps.requests;

  server.setRequestHandler('tools/list', async () => requests.listTools(principal));
  const tasks = new McpTasks(requests);
  server.setRequestHandler('tools/call', (request, ctx) =>
    guard(async () => {
      if (!legacy && runsAsTask(request.params.name, ctx))
        return tasks.create(request.params.name, request.params.arguments ?? {}, call(ctx)) as never;
      const progressToken = request.params._meta?.progressToken;
      const progressSent: Promise<unknown>[] = [];
      const outcome = await requests.callTool(
        request.params.name,
        (request.params.arguments ?? {}) as Record<string, unknown>,
        call(ctx),
        progressToken === undefined
          ? undefined
          : ({ done, total, message }) => {
              progressSent.push(
                ctx.mcpReq
                  .notify({
                    method: 'notifications/progress',
                    params: { progressToken, progress: done, total, ...(message ? { message } : {}) },
                  })
                  .catch(() => undefined),
              );
            },
        log,
      );
      // Progress must reach the client before the result: the client stops listening once it has it.
      await Promise.all(progressSent);
      return outcome;
    }),
  );
  server.setRequestHandler('resources/list', (request, ctx) =>
    guard(() => requests.listResources(request.params?.cursor, call(ctx))),
  );
  server.setRequestHandler('resources/templates/list', async () => requests.listResourceTemplates());
  server.setRequestHandler('resources/read', (request, ctx) =>
    guard(() =>
      requests.readResource(request.params.uri, call(ctx)).catch((error: McpWireError) => {
        // 2026-07-28 (SEP-2164) answers a missing resource with -32602; 2025 clients keep -32004.
        const missing = (error.data as { code?: string } | undefined)?.code === 'not_found';
        throw missing && !legacy ? new McpWireError(INVALID_PARAMS, error.message, error.data) : error;
      }),
    ),
  );
  server.setRequestHandler('prompts/list', (_request, ctx) => guard(() => requests.listPrompts(call(ctx))));
  server.setRequestHandler('prompts/get', (request, ctx) =>
    guard(() => requests.renderPrompt(request.params.name, request.params.arguments, call(ctx))),
  );
  server.setRequestHandler('completion/complete', (request, ctx) =>
    guard(() => requests.complete(request.params.ref, request.params.argument, call(ctx))),
  );

  if (!legacy) {
    const TaskIdParams = z.object({ taskId: z.string().min(1) }).passthrough();
    server.setRequestHandler('tasks/get', { params: TaskIdParams }, (params, ctx) =>
      guard(() => tasks.get(params.taskId, ctx, call(ctx))),
    );
    server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, (params, ctx) =>
      guard(() => tasks.cancel(params.taskId, ctx, call(ctx))),
    );
  }

  if (!serving.connection) return server;
  const notify = (send: () => Promise<void> | void) => {
    try {
      void Promise.resolve(send()).catch(() => undefined);
    } catch {
      // The connection is gone or the client never finished its handshake: nothing to tell.
    }
  };
  // A 2025 client names the resources it follows; on a 2026 connection the SDK's listen router
  // filters every update onto the streams that asked for it (and drops the rest).
  const subscriptions = new Set<string>();
  const session: SessionHandle = {
    id: sessionId,
    principal,
    follows: (uri) => !legacy || subscriptions.has(uri),
    toolsChanged: () => notify(() => server.sendToolListChanged()),
    promptsChanged: () => notify(() => server.sendPromptListChanged()),
    resourcesChanged: () => notify(() => server.sendResourceListChanged()),
    resourceUpdated: (uri) => notify(() => server.sendResourceUpdated({ uri })),
  };
  if (legacy) {
    server.setRequestHandler('resources/subscribe', (request, ctx) =>
      guard(async () => {
        await requests.authorizeSubscription(request.params.uri, call(ctx));
        subscriptions.add(request.params.uri);
        return {};
      }),
    );
    server.setRequestHandler('resources/unsubscribe', async (request) => {
      subscriptions.delete(request.params.uri);
      return {};
    });
  }
  const onclose = server.onclose;
  server.onclose = () => {
    deps.hub.remove(session.id);
    onclose?.();
  };
  deps.hub.add(session);
  return server;
}

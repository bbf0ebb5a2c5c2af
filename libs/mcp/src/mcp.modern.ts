import { randomUUID } from 'node:crypto';
import { ProtocolError, Server, type AuthInfo, type ServerContext } from '@modelcontextprotocol/server';
import type { Principal, Transport } from '@quarry/core';
import { INSTRUCTIONS, SERVER_INFO, toWireError, type McpCall, type McpRequests } from './mcp.requests';

/** The 2026-07-28 revision: requests carry everything (no session), so any instance serves any. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

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
 * A server for one 2026-07-28 request (or one stdio connection): the same McpRequests as the
 * 2025 sessions, on the v2 SDK, which speaks server/discover, the per-request `_meta` envelope,
 * `resultType` and the revision's error codes. List changes and resource updates reach clients
 * through `subscriptions/listen`, served by the SDK's listen router from the ServerEventBus.
 */
export function createModernServer(
  requests: McpRequests,
  principal: Principal,
  transport: Transport,
  version: string,
): Server {
  const server = new Server(
    { ...SERVER_INFO, version },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        completions: {},
      },
      instructions: INSTRUCTIONS,
    },
  );
  // The JSON-RPC id repeats across clients and instances: the audit id must not.
  const call = (ctx: ServerContext): McpCall => ({
    principal,
    transport,
    requestId: `${randomUUID()}:${String(ctx.mcpReq.id)}`,
    signal: ctx.mcpReq.signal,
  });
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      const wire = toWireError(error);
      throw new ProtocolError(wire.code, wire.message, wire.data);
    }
  };

  server.setRequestHandler('tools/list', async () => requests.listTools(principal));
  server.setRequestHandler('tools/call', (request, ctx) =>
    guard(async () => {
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
    guard(() => requests.readResource(request.params.uri, call(ctx))),
  );
  server.setRequestHandler('prompts/list', (_request, ctx) => guard(() => requests.listPrompts(call(ctx))));
  server.setRequestHandler('prompts/get', (request, ctx) =>
    guard(() => requests.renderPrompt(request.params.name, request.params.arguments, call(ctx))),
  );
  server.setRequestHandler('completion/complete', (request, ctx) =>
    guard(() => requests.complete(request.params.ref, request.params.argument, call(ctx))),
  );
  return server;
}

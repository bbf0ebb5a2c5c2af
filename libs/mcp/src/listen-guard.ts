import { isJSONRPCRequest, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/server';
import { toWireError } from './mcp.requests';

/** The resource URIs a `subscriptions/listen` request asks to follow, if it is one. */
export function listenedResources(message: unknown): string[] | undefined {
  const request = message as {
    method?: unknown;
    params?: { notifications?: { resourceSubscriptions?: unknown } };
  };
  if (request?.method !== 'subscriptions/listen') return undefined;
  const uris = request.params?.notifications?.resourceSubscriptions;
  return Array.isArray(uris) ? uris.filter((uri): uri is string => typeof uri === 'string') : [];
}

/**
 * Checks the resources a `subscriptions/listen` request names before the SDK's listen router
 * sees it: a listener may follow only what it may read, as `resources/subscribe` requires. The
 * refusal names the field and the URI.
 */
export async function refusedListen(
  message: unknown,
  authorize: (uri: string) => Promise<void>,
): Promise<{ code: number; message: string; data?: unknown } | undefined> {
  for (const uri of listenedResources(message) ?? []) {
    try {
      await authorize(uri);
    } catch (error) {
      const wire = toWireError(error);
      return { code: wire.code, message: `resourceSubscriptions: ${uri}: ${wire.message}`, data: wire.data };
    }
  }
  return undefined;
}

/**
 * A connection transport (WebSocket) whose `subscriptions/listen` requests are checked by
 * `refusedListen` first; a refused one is answered here and never reaches the SDK. Other
 * messages pass untouched and in order.
 */
export function guardListen<T extends Transport>(transport: T, authorize: (uri: string) => Promise<void>): T {
  let deliver: ((message: JSONRPCMessage, extra?: unknown) => void) | undefined;
  // Messages wait for the listen checks before them, so none overtakes another.
  let queue = Promise.resolve();
  const inbound = (message: JSONRPCMessage, extra?: unknown) => {
    queue = queue
      .then(async () => {
        const refusal = isJSONRPCRequest(message) ? await refusedListen(message, authorize) : undefined;
        if (!refusal) return deliver?.(message, extra);
        if (isJSONRPCRequest(message))
          await transport.send({ jsonrpc: '2.0', id: message.id, error: refusal }).catch(() => undefined);
      })
      .catch(() => undefined);
  };
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => (deliver ? inbound : undefined),
    set: (handler: typeof deliver) => {
      deliver = handler;
    },
  });
  return transport;
}

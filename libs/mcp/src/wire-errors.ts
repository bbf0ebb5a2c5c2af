import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isJSONRPCErrorResponse, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * The SDK's McpError puts its code into its message ("MCP error -32602: invalid ...") and the
 * SDK's server sends that message as the JSON-RPC error message; the SDK's client then wraps it
 * in another McpError, and users read "MCP error -32602: MCP error -32602: invalid ...". The
 * JSON-RPC message is meant to be the short description (the code has its own field), so the
 * prefix is removed where a response leaves Quarry, whichever handler threw it.
 */
export function withoutCodePrefix(message: JSONRPCMessage): JSONRPCMessage {
  if (!isJSONRPCErrorResponse(message)) return message;
  const prefix = `MCP error ${message.error.code}: `;
  if (!message.error.message.startsWith(prefix)) return message;
  return { ...message, error: { ...message.error, message: message.error.message.slice(prefix.length) } };
}

/** Makes `transport` send error responses with their plain message (see withoutCodePrefix). */
export function sendPlainErrorMessages<T extends Transport>(transport: T): T {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => send(withoutCodePrefix(message), options);
  return transport;
}

import {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  isJSONRPCErrorResponse,
  type JSONRPCMessage,
  type Transport,
} from '@modelcontextprotocol/server';
import { InvalidError, type FieldProblem } from '@quarry/core';

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

/**
 * Params that fail the SDK's own schema of a request (`tools/call` with a numeric `name`) come
 * back from the SDK with the schema library's raw JSON as their message (v1: -32603 "internal
 * error"; v2: -32602 "Invalid tools/call request: [...]"). They are the client's mistake: sent
 * as -32602 with each field named, like every other invalid input
 * (`params.name: expected string, received number`).
 */
export function invalidParamsNamed(message: JSONRPCMessage): JSONRPCMessage {
  if (!isJSONRPCErrorResponse(message)) return message;
  if (message.error.code !== INTERNAL_ERROR && message.error.code !== INVALID_PARAMS) return message;
  const problems = schemaProblems(message.error.message);
  if (!problems) return message;
  const error = new InvalidError(
    `invalid params: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
    problems,
  );
  return {
    ...message,
    error: { code: INVALID_PARAMS, message: error.message, data: error.toJSON().error },
  };
}

function schemaProblems(message: string): FieldProblem[] | undefined {
  const text = message.replace(/^Invalid [\w/]+ request: /, '');
  if (!text.startsWith('[')) return undefined;
  try {
    const issues = JSON.parse(text) as unknown;
    if (!Array.isArray(issues) || issues.length === 0) return undefined;
    const problems = issues.map((issue: { path?: unknown; message?: unknown }) => ({
      field: Array.isArray(issue.path) && issue.path.length ? issue.path.join('.') : '(root)',
      reason: String(issue.message ?? 'invalid').replace(/^Invalid input: /, ''),
    }));
    return problems.every((p) => p.reason) ? problems : undefined;
  } catch {
    return undefined;
  }
}

/** Makes `transport` send error responses with their plain message and named invalid params. */
export function sendPlainErrorMessages<T extends Transport>(transport: T): T {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => send(invalidParamsNamed(withoutCodePrefix(message)), options);
  return transport;
}

import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { withoutCodePrefix } from './wire-errors';

describe('JSON-RPC error messages on the wire', () => {
  it('drops the prefix McpError adds, so the client adds it only once', () => {
    const thrown = new McpError(-32602, 'invalid arguments: size: must not be greater than 100');
    const response = {
      jsonrpc: '2.0' as const,
      id: 1,
      error: { code: thrown.code, message: thrown.message },
    };
    expect(withoutCodePrefix(response)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32602, message: 'invalid arguments: size: must not be greater than 100' },
    });
    // What the SDK's client then shows.
    const seen = new McpError(-32602, (withoutCodePrefix(response) as typeof response).error.message);
    expect(seen.message).toBe('MCP error -32602: invalid arguments: size: must not be greater than 100');
  });

  it('leaves other messages alone', () => {
    const plain = { jsonrpc: '2.0' as const, id: 2, error: { code: -32601, message: 'Method not found' } };
    expect(withoutCodePrefix(plain)).toBe(plain);
    const otherCode = {
      jsonrpc: '2.0' as const,
      id: 3,
      error: { code: -32603, message: 'MCP error -32602: x' },
    };
    expect(withoutCodePrefix(otherCode)).toBe(otherCode);
    const result = { jsonrpc: '2.0' as const, id: 4, result: {} };
    expect(withoutCodePrefix(result)).toBe(result);
  });
});

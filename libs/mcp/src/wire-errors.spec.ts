import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { invalidParamsNamed, withoutCodePrefix } from './wire-errors';

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

  it('names the fields of params that fail the SDK schema, as invalid params, not an internal error', () => {
    // What the SDK sends for tools/call with { name: 5, arguments: "x" }.
    const issues = [
      {
        expected: 'string',
        code: 'invalid_type',
        path: ['params', 'name'],
        message: 'Invalid input: expected string, received number',
      },
      {
        expected: 'record',
        code: 'invalid_type',
        path: ['params', 'arguments'],
        message: 'Invalid input: expected record, received string',
      },
    ];
    const raw = {
      jsonrpc: '2.0' as const,
      id: 4,
      error: { code: -32603, message: JSON.stringify(issues, null, 2) },
    };
    expect(invalidParamsNamed(raw)).toEqual({
      jsonrpc: '2.0',
      id: 4,
      error: {
        code: -32602,
        message:
          'invalid params: params.name: expected string, received number; params.arguments: expected record, received string',
        data: {
          code: 'invalid',
          message:
            'invalid params: params.name: expected string, received number; params.arguments: expected record, received string',
          problems: [
            { field: 'params.name', reason: 'expected string, received number' },
            { field: 'params.arguments', reason: 'expected record, received string' },
          ],
        },
      },
    });
    // A real internal error keeps its code and message.
    const internal = { jsonrpc: '2.0' as const, id: 5, error: { code: -32603, message: 'internal error' } };
    expect(invalidParamsNamed(internal)).toBe(internal);
  });

  it('names them too in the v2 SDK form: -32602 with the method and the raw issues', () => {
    const issues = [
      {
        code: 'invalid_type',
        path: ['params', 'name'],
        message: 'Invalid input: expected string, received number',
      },
    ];
    const raw = {
      jsonrpc: '2.0' as const,
      id: 6,
      error: { code: -32602, message: `Invalid tools/call request: ${JSON.stringify(issues, null, 2)}` },
    };
    const named = invalidParamsNamed(raw) as { error: { code: number; message: string } };
    expect(named.error).toMatchObject({
      code: -32602,
      message: 'invalid params: params.name: expected string, received number',
    });
    // An invalid-params error that is not a schema dump is Quarry's own and stays as it is.
    const own = { jsonrpc: '2.0' as const, id: 7, error: { code: -32602, message: 'unknown tool "x"' } };
    expect(invalidParamsNamed(own)).toBe(own);
  });
});

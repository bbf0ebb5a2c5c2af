import { ERROR_TABLE, InvalidError, QuarryError, toQuarryError, UnavailableError } from './errors';

describe('error table', () => {
  it('maps every kind to distinct HTTP, GraphQL and JSON-RPC codes', () => {
    const kinds = Object.keys(ERROR_TABLE) as (keyof typeof ERROR_TABLE)[];
    const http = new Set(kinds.map((k) => ERROR_TABLE[k].http));
    const rpc = new Set(kinds.map((k) => ERROR_TABLE[k].jsonRpc));
    const gql = new Set(kinds.map((k) => ERROR_TABLE[k].graphql));
    expect(http.size).toBe(kinds.length);
    expect(rpc.size).toBe(kinds.length);
    expect(gql.size).toBe(kinds.length);
  });

  it('carries field problems and service names', () => {
    const invalid = new InvalidError('bad input', [{ field: 'size', reason: 'must be at most 100' }]);
    expect(invalid.mapping.http).toBe(400);
    expect(invalid.toJSON()).toEqual({
      error: {
        code: 'invalid',
        message: 'bad input',
        problems: [{ field: 'size', reason: 'must be at most 100' }],
      },
    });
    const down = new UnavailableError('elasticsearch', 'connection refused');
    // What the dependency said goes to the log, not to the client.
    expect(down.message).toBe('elasticsearch is unavailable');
    expect(down.reason).toBe('connection refused');
    expect(JSON.stringify(down.toJSON())).not.toContain('connection refused');
    expect(down.mapping).toEqual({ http: 503, graphql: 'UNAVAILABLE', jsonRpc: -32050 });
  });

  it('hides the details of unexpected errors', () => {
    const mapped = toQuarryError(new TypeError('secret stack detail'));
    expect(mapped).toBeInstanceOf(QuarryError);
    expect(mapped.kind).toBe('internal');
    expect(mapped.message).not.toContain('secret');
  });
});

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { reasonOf, requestLog } from './request-log';

describe('request log', () => {
  const lines: string[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const app = express();
    app.use(...requestLog(logger));
    app.get('/v1/collections', (_req, res) => {
      res.json({ collections: [] });
    });
    app.post('/v1/search', (_req, res) => {
      res.status(400).json({
        error: { code: 'invalid', message: 'invalid arguments: size: size must not be greater than 100' },
      });
    });
    app.post('/graphql', (_req, res) => {
      res
        .status(400)
        .send(JSON.stringify({ errors: [{ message: 'Syntax Error: Expected Name, found <EOF>.' }] }));
    });
    app.post('/mcp', (_req, res) => {
      // The MCP SDK answers with Node's own API, not Express's.
      res.writeHead(400, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          jsonrpc: '2.0',
          error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
          id: null,
        }),
      );
    });
    app.get('/health', (_req, res) => {
      res.json({ status: 'ok' });
    });
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** The log line of the next request, once the response has finished. */
  async function logged(path: string, init: RequestInit = {}) {
    const before = lines.length;
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: 'Bearer secret-key-1', 'x-request-id': 'req-42', ...init.headers },
    });
    await response.text();
    for (let i = 0; lines.length === before && i < 100; i++) await new Promise(setImmediate);
    return { response, line: lines[before], entry: JSON.parse(lines[before] ?? 'null') };
  }

  it('writes one short line per request: method, path, status, time and request id', async () => {
    const { response, line, entry } = await logged('/v1/collections?limit=5');
    expect(response.headers.get('x-request-id')).toBe('req-42');
    expect(entry).toMatchObject({
      method: 'GET',
      path: '/v1/collections?limit=5',
      status: 200,
      reqId: 'req-42',
    });
    expect(entry.msg).toMatch(/^GET \/v1\/collections\?limit=5 200 \d+ms req-42$/);
    // No headers (so no credentials) and no sockets: the line stays short.
    expect(line).not.toContain('secret-key-1');
    expect(entry.req).toBeUndefined();
    expect(entry.res).toBeUndefined();
    expect(Buffer.byteLength(line)).toBeLessThan(300);
  });

  it('says why a request was refused', async () => {
    const { entry } = await logged('/v1/search', { method: 'POST' });
    expect(entry.status).toBe(400);
    expect(entry.reason).toBe('invalid arguments: size: size must not be greater than 100');
    expect(entry.msg).toMatch(
      /^POST \/v1\/search 400 \d+ms req-42 — invalid arguments: size: size must not be greater than 100$/,
    );
    const graphql = await logged('/graphql', { method: 'POST' });
    expect(graphql.entry.reason).toBe('Syntax Error: Expected Name, found <EOF>.');
    const mcp = await logged('/mcp', { method: 'POST' });
    expect(mcp.entry.reason).toBe('Bad Request: No valid session ID provided');
  });

  it('replaces a request id that is not sane, and does not log health probes', async () => {
    const { response, entry } = await logged('/v1/collections', {
      headers: { 'x-request-id': 'not a sane id; drop table' },
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(entry.reqId).toBe(response.headers.get('x-request-id'));
    const before = lines.length;
    await (await fetch(`${base}/health`)).text();
    await logged('/v1/collections');
    expect(lines.length).toBe(before + 1);
  });

  it('finds the message of Quarry, JSON-RPC and GraphQL error bodies', () => {
    expect(reasonOf({ error: { code: 'forbidden', message: 'needs admin' } })).toBe('needs admin');
    expect(reasonOf({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad params' } })).toBe(
      'bad params',
    );
    expect(reasonOf('{"errors":[{"message":"too deep"}]}')).toBe('too deep');
    expect(reasonOf('<html>')).toBeUndefined();
    expect(reasonOf('x'.repeat(10))).toBeUndefined();
    expect(reasonOf({ error: { message: 'y'.repeat(1000) } })).toHaveLength(300);
  });
});

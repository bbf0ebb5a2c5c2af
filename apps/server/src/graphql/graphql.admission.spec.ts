import type { Response } from 'express';
import type { Authenticator, Credentials } from '@quarry/auth';
import { UnauthenticatedError, type Principal } from '@quarry/core';
import { createLogger } from '@quarry/observability';
import { GraphqlAdmission, type AdmittedRequest } from './graphql.admission';
import * as limits from './graphql.limits';

const READER: Principal = { id: 'key:reader', role: 'reader' };

/** Accepts `Bearer good`, refuses anything else; `Bearer broken` stands for a failing key store. */
const authenticator = {
  authenticate: async (credentials: Credentials): Promise<Principal> => {
    if (credentials.authorization === 'Bearer good') return READER;
    if (credentials.authorization === 'Bearer broken') throw new Error('ECONNREFUSED 127.0.0.1:6379');
    throw new UnauthenticatedError('credentials are required');
  },
} as Authenticator;

const bomb = [
  'query { ...F0 }',
  ...Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`),
  'fragment F30 on Query { __typename }',
].join('\n');

async function admit(
  request: { method: string; authorization?: string; body?: unknown; query?: unknown },
  admission = new GraphqlAdmission(authenticator, createLogger('silent')),
) {
  const req = {
    method: request.method,
    headers: request.authorization ? { authorization: request.authorization } : {},
    socket: { remoteAddress: '127.0.0.1' },
    body: request.body,
    query: request.query ?? {},
  } as unknown as AdmittedRequest;
  const answer: {
    status?: number;
    body?: { errors: { message: string; extensions?: { code?: string } }[] };
  } = {};
  const res = {
    status(code: number) {
      answer.status = code;
      return this;
    },
    json(body: typeof answer.body) {
      answer.body = body;
      return this;
    },
  } as unknown as Response;
  let passed = false;
  await admission.use(req, res, () => {
    passed = true;
  });
  return { passed, principal: req.principal, ...answer };
}

describe('GraphqlAdmission', () => {
  it('answers a request without valid credentials with 401, whatever its document', async () => {
    for (const body of [{ query: bomb }, { query: '{ unclosed' }, undefined]) {
      const answer = await admit({ method: 'POST', body });
      expect(answer).toMatchObject({ passed: false, status: 401 });
      expect(answer.body?.errors).toEqual([
        {
          message: 'credentials are required',
          extensions: { code: 'UNAUTHENTICATED', kind: 'unauthenticated' },
        },
      ]);
    }
    const get = await admit({ method: 'GET', query: { query: bomb } });
    expect(get).toMatchObject({ passed: false, status: 401 });
  });

  it('refuses an over-limit document of an authenticated caller with 400, over POST and GET', async () => {
    for (const request of [
      { method: 'POST', body: { query: bomb } },
      { method: 'GET', query: { query: bomb } },
    ]) {
      const answer = await admit({ ...request, authorization: 'Bearer good' });
      expect(answer).toMatchObject({ passed: false, status: 400 });
      expect(answer.body?.errors.map((e) => e.extensions?.code)).toEqual([
        'GRAPHQL_VALIDATION_FAILED',
        'GRAPHQL_VALIDATION_FAILED',
      ]);
      expect(answer.body?.errors[0].message).toBe(
        'query selects over 1000000 fields, more than the limit of 1000',
      );
    }
  });

  it('lets the rest through to Apollo with the principal it authenticated', async () => {
    const fine = await admit({
      method: 'POST',
      authorization: 'Bearer good',
      body: { query: '{ collections }' },
    });
    expect(fine).toMatchObject({ passed: true, principal: READER });
    expect(fine.status).toBeUndefined();
    // Syntax errors and missing queries are Apollo's to answer, with its own codes.
    expect(await admit({ method: 'POST', authorization: 'Bearer good', body: { query: '{' } })).toMatchObject(
      {
        passed: true,
      },
    );
    expect(await admit({ method: 'POST', authorization: 'Bearer good', body: [] })).toMatchObject({
      passed: true,
    });
    // A CORS preflight or any other method carries no document.
    expect(await admit({ method: 'OPTIONS' })).toMatchObject({ passed: true, principal: undefined });
  });

  it('parses a document it has measured once only, and keeps refusing it if it was over the limits', async () => {
    const admission = new GraphqlAdmission(authenticator, createLogger('silent'));
    const parse = jest.spyOn(limits, 'parseQuery');
    try {
      const search = 'query($input: SearchInput!) { search(input: $input) { total } }';
      for (let i = 0; i < 3; i++) {
        expect(
          await admit({ method: 'POST', authorization: 'Bearer good', body: { query: search } }, admission),
        ).toMatchObject({ passed: true });
        expect(
          await admit({ method: 'POST', authorization: 'Bearer good', body: { query: bomb } }, admission),
        ).toMatchObject({ passed: false, status: 400 });
      }
      expect(parse).toHaveBeenCalledTimes(2);
    } finally {
      parse.mockRestore();
    }
  });

  it('answers a failure of authentication itself as an internal error, without its wording', async () => {
    const answer = await admit({ method: 'POST', authorization: 'Bearer broken', body: { query: bomb } });
    expect(answer).toMatchObject({ passed: false, status: 500 });
    expect(answer.body?.errors).toEqual([
      { message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR', kind: 'internal' } },
    ]);
  });
});

import type { NextFunction, Request, Response } from 'express';
import type { GraphQLError } from 'graphql';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { Authenticator, challengeOf } from '@quarry/auth';
import { toQuarryError, type Principal } from '@quarry/core';
import { LOGGER, type Logger } from '@quarry/observability';
import { credentialsOf } from '../rest/envelope';
import { formatGraphqlError } from './graphql.errors';
import { documentLimitErrors, parseQuery } from './graphql.limits';

/** Documents whose verdict is remembered: clients send the same few documents with new variables. */
const REMEMBERED_DOCUMENTS = 500;
/** Longer documents are measured every time, so the remembered ones hold at most ~5 MB. */
const REMEMBERED_LENGTH = 10_000;

/** A GraphQL-over-HTTP request once admitted: the caller it was authenticated as. */
export type AdmittedRequest = Request & { principal?: Principal };

/**
 * The gate of GraphQL over HTTP, before Apollo reads the document: the caller is authenticated
 * first (a request without valid credentials gets a 401 and its document is never parsed), then
 * the document is measured without expanding its fragments (graphql.limits.ts), so neither an
 * anonymous caller nor a keyed one can turn a small query into seconds of validation.
 */
@Injectable()
export class GraphqlAdmission implements NestMiddleware {
  constructor(
    private readonly auth: Authenticator,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Each remembered document's limit errors (none: it may run; undefined: Apollo reports its syntax error). */
  private readonly verdicts = new Map<string, GraphQLError[] | undefined>();

  async use(req: AdmittedRequest, res: Response, next: NextFunction): Promise<void> {
    // Only GET and POST carry a document; anything else is Apollo's to answer (405, CORS preflight).
    if (req.method !== 'GET' && req.method !== 'POST') return next();
    try {
      req.principal = await this.auth.authenticate(credentialsOf(req));
    } catch (error) {
      const refusal = toQuarryError(error);
      const challenge = challengeOf(error);
      if (challenge) res.setHeader('WWW-Authenticate', challenge);
      res
        .status(refusal.mapping.http)
        .json({ errors: [formatGraphqlError({ message: refusal.message }, refusal, this.logger)] });
      return;
    }
    const source: unknown =
      req.method === 'POST' ? (req.body as { query?: unknown } | undefined)?.query : req.query.query;
    // A missing query or a syntax error is answered by Apollo, with its own codes.
    if (typeof source !== 'string') return next();
    const errors = this.limitErrors(source);
    if (!errors?.length) return next();
    res.status(400).json({ errors: errors.map((e) => formatGraphqlError(e.toJSON(), e, this.logger)) });
  }

  /**
   * The document's limit errors, remembered per document text as Apollo remembers its parsed
   * documents: parsing each request's document again was ~0.15 ms of every GraphQL search in the
   * edge bench's profile (bench/edge-overhead.ts).
   */
  private limitErrors(source: string): GraphQLError[] | undefined {
    if (this.verdicts.has(source)) return this.verdicts.get(source);
    let errors: GraphQLError[] | undefined;
    try {
      errors = documentLimitErrors(parseQuery(source));
    } catch {
      errors = undefined;
    }
    if (source.length <= REMEMBERED_LENGTH) {
      if (this.verdicts.size >= REMEMBERED_DOCUMENTS)
        this.verdicts.delete(this.verdicts.keys().next().value!);
      this.verdicts.set(source, errors);
    }
    return errors;
  }
}

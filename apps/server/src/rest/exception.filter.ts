import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { challengeOf } from '@quarry/auth';
import { InvalidError, QuarryError, RateLimitedError, toQuarryError } from '@quarry/core';
import type { Logger } from '@quarry/observability';

/** Maps any failure to the one error table: a client's mistake is never a 500. */
@Catch()
export class QuarryExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // GraphQL resolvers report errors through GraphQL, not by writing an HTTP response.
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request & { id?: string }>();
    const error = this.toQuarryError(exception);
    if (error.kind === 'internal') {
      this.logger.error(
        { err: (error as { cause?: unknown }).cause ?? exception, requestId: request.id },
        'internal error',
      );
    }
    if (error instanceof RateLimitedError) response.setHeader('Retry-After', String(error.retryAfterSeconds));
    const challenge = challengeOf(error);
    if (challenge) response.setHeader('WWW-Authenticate', challenge);
    response.status(error.mapping.http).json({ ...error.toJSON(), requestId: request.id });
  }

  private toQuarryError(exception: unknown): QuarryError {
    if (exception instanceof QuarryError) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) return new QuarryError('not_found', 'no such endpoint');
      if (status === 413)
        return new InvalidError('request body is too large', [{ field: '(body)', reason: 'too large' }]);
      if (status < 500) return new InvalidError(exception.message);
    }
    // Express's body parser reports malformed JSON and oversized bodies as errors with a status.
    const status = (exception as { status?: number; type?: string })?.status;
    if (status === 413)
      return new InvalidError('request body is too large', [{ field: '(body)', reason: 'too large' }]);
    if (status === 400)
      return new InvalidError(`malformed request body: ${(exception as Error).message}`, [
        { field: '(body)', reason: 'not valid JSON' },
      ]);
    return toQuarryError(exception);
  }
}

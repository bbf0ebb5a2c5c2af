import { ForbiddenError, InvalidError } from '@quarry/core';

/**
 * A request (or one hop of its redirects) the egress policy does not make: an address that is not
 * on the public internet, Quarry's own Elasticsearch or Redis, another scheme than http(s), or a
 * redirect the caller did not allow. Not retried: asking again gets the same answer.
 */
export class EgressRefusedError extends ForbiddenError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`refused by the egress policy: ${reason}`);
    this.name = 'EgressRefusedError';
  }
}

/** A response whose body passed the byte limit while it was read; the rest was never downloaded. */
export class ResponseTooLargeError extends InvalidError {
  constructor(
    readonly url: string,
    readonly maxBytes: number,
  ) {
    super(`${url}: response larger than the limit of ${maxBytes} bytes (maxBytes); stopped reading`, [
      { field: 'maxBytes', reason: `response larger than ${maxBytes} bytes` },
    ]);
    this.name = 'ResponseTooLargeError';
  }
}

import pino, { Logger } from 'pino';

/** Structured JSON logs; secrets never reach them (authorization headers are redacted). */
export function createLogger(level: string, name = 'quarry'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
      remove: true,
    },
  });
}

export type { Logger };

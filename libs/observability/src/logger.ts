import pino, { Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

/** Fields of request lines that the short format already shows in the message. */
const SHOWN_IN_MESSAGE = ['pid', 'hostname', 'name', 'reqId', 'method', 'path', 'status', 'ms', 'reason'];

/**
 * Structured logs; secrets never reach them (authorization headers are redacted). `json` is
 * pino's one JSON object per line, for machines; `pretty` is one short line per event, for a
 * terminal (a request: `GET /v1/search 200 12ms <request id>`).
 */
export function createLogger(level: string, name = 'quarry', format: LogFormat = 'json'): Logger {
  const options = {
    name,
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
      remove: true,
    },
  };
  if (format === 'json') return pino(options);
  return pino(
    options,
    pretty({
      colorize: Boolean(process.stdout.isTTY),
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: SHOWN_IN_MESSAGE.join(','),
      sync: true,
    }),
  );
}

export type { Logger };

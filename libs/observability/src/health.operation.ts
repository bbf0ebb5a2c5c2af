import {
  operationRef,
  UnavailableError,
  type MessageManagerPlugin,
  type Operation,
  type ArgsOf,
  type ResultOf,
} from '@quarry/core';
import type { HealthChecker, Readiness } from './health';
import type { Logger } from './logger';

/** Typed references of the operations below: what edges call them by. */
export const HEALTH = operationRef<object, Readiness>('health');

/** `health` as an operation, so MCP clients and scripts see the same readiness as /health/ready. */
export function healthOperation(health: HealthChecker): Operation<never, unknown> {
  const operation: Operation<ArgsOf<typeof HEALTH>, ResultOf<typeof HEALTH>> = {
    name: HEALTH,
    description:
      'Readiness of Elasticsearch and Redis, each with status and latency: ready, degraded (reads served, writes refused, with the reasons) or not_ready.',
    role: 'reader',
    tool: {
      title: 'Service health',
      annotations: { readOnlyHint: true, openWorldHint: false },
      outputSchema: {
        type: 'object',
        properties: {
          status: { type: 'string', enum: ['ready', 'degraded', 'not_ready'] },
          reasons: { type: 'array', items: { type: 'string' } },
          elasticsearch: { type: 'object' },
          redis: { type: 'object' },
        },
        required: ['status', 'elasticsearch', 'redis'],
      },
      summarize: (r) =>
        `Quarry is ${r.status}: Elasticsearch ${r.elasticsearch.status} (${r.elasticsearch.latencyMs} ms), Redis ${r.redis.status} (${r.redis.latencyMs} ms)`,
    },
    run: () => health.readiness(),
  };
  return operation as Operation<never, unknown>;
}

/** One structured log line per operation, with request id, principal, outcome and duration. */
export function requestLogPlugin(logger: Logger): MessageManagerPlugin {
  return {
    afterRun(outcome) {
      const entry = {
        op: outcome.op,
        transport: outcome.transport,
        principal: outcome.principal.id,
        requestId: outcome.requestId,
        durationMs: Math.round(outcome.durationMs * 10) / 10,
        outcome: outcome.error?.kind ?? 'ok',
      };
      if (outcome.error?.kind === 'internal')
        logger.error(
          { ...entry, err: (outcome.error as { cause?: unknown }).cause ?? outcome.error },
          'operation failed',
        );
      else if (outcome.error instanceof UnavailableError)
        // The client is told which dependency is down; what it said is for the operator.
        logger.warn(
          { ...entry, service: outcome.error.service, reason: outcome.error.reason },
          'dependency unavailable',
        );
      else logger.debug(entry, 'operation');
    },
  };
}

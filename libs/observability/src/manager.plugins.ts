import type { AuditRecord, MessageManagerPlugin } from '@quarry/core';
import type { Logger } from './logger';
import type { QuarryMetrics } from './metrics';

/** Request counts and latency per operation and transport, ingest volume; one place for every edge. */
export function metricsPlugin(metrics: QuarryMetrics): MessageManagerPlugin {
  return {
    afterRun(outcome, result) {
      const outcomeLabel = outcome.error?.kind ?? 'ok';
      metrics.requests.inc({ op: outcome.op, transport: outcome.transport, outcome: outcomeLabel });
      metrics.requestDuration.observe(
        { op: outcome.op, transport: outcome.transport },
        outcome.durationMs / 1000,
      );
      if (!outcome.operation?.meter || outcome.error || outcome.args === undefined) return;
      const metered = outcome.operation.meter(outcome.args, result);
      for (const [status, count] of Object.entries(metered.documents ?? {}))
        metrics.ingestDocuments.inc({ status }, count);
      if (metered.bytes) metrics.ingestBytes.inc(metered.bytes);
    },
  };
}

/**
 * Audit trail of every write and registry change: who, what, which ids, outcome. Goes to the
 * structured log (field `audit: true`) and to the audit index through `record`; secrets (API
 * keys, tokens) never appear, since only ids and names are recorded.
 */
export function auditPlugin(
  logger: Logger,
  record: (entry: Record<string, unknown>) => void,
): MessageManagerPlugin {
  return {
    afterRun(outcome, result) {
      const audit = outcome.operation?.audit;
      if (!audit) return;
      const touched: AuditRecord = outcome.args === undefined ? { ids: [] } : audit(outcome.args, result);
      const entry = {
        '@timestamp': new Date().toISOString(),
        principal: outcome.principal.id,
        role: outcome.principal.role,
        op: outcome.op,
        transport: outcome.transport,
        request_id: outcome.requestId,
        ids: touched.ids.slice(0, 1000),
        outcome: outcome.error?.kind ?? 'ok',
        ...(outcome.error ? { error: outcome.error.message } : {}),
        ...(touched.failed === undefined ? {} : { failed: touched.failed }),
      };
      logger.info({ audit: true, ...entry }, 'audit');
      record(entry);
    },
  };
}

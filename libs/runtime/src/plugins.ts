import type { MessageManagerPlugin } from '@quarry/core';
import type { Logger, QuarryMetrics } from '@quarry/observability';
import type { IngestResult } from '@quarry/search';

const WRITE_OPS = new Set([
  'index_documents',
  'delete_document',
  'register_search_tool',
  'delete_search_tool',
  'register_prompt',
  'create_api_key',
  'revoke_api_key',
]);

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
      if (outcome.op === 'index_documents' && result) {
        const ingest = result as IngestResult;
        for (const item of ingest.items) metrics.ingestDocuments.inc({ status: item.status });
        const documents = (outcome.args as { documents?: { body?: unknown }[] } | undefined)?.documents ?? [];
        const bytes = documents.reduce(
          (sum, d) => sum + (typeof d?.body === 'string' ? Buffer.byteLength(d.body) : 0),
          0,
        );
        metrics.ingestBytes.inc(bytes);
      }
    },
  };
}

function idsOf(op: string, args: unknown, result: unknown): string[] {
  if (op === 'index_documents')
    return ((result as IngestResult | undefined)?.items ?? []).map((i) => i.id ?? `#${i.index}`);
  const a = args as { id?: string; name?: string } | undefined;
  return [a?.id ?? a?.name].filter((x): x is string => typeof x === 'string');
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
      if (!WRITE_OPS.has(outcome.op)) return;
      const entry = {
        '@timestamp': new Date().toISOString(),
        principal: outcome.principal.id,
        role: outcome.principal.role,
        op: outcome.op,
        transport: outcome.transport,
        request_id: outcome.requestId,
        ids: idsOf(outcome.op, outcome.args, result).slice(0, 1000),
        outcome: outcome.error?.kind ?? 'ok',
        ...(outcome.error ? { error: outcome.error.message } : {}),
        ...(outcome.op === 'index_documents' && result ? { failed: (result as IngestResult).failed } : {}),
      };
      logger.info({ audit: true, ...entry }, 'audit');
      record(entry);
    },
  };
}

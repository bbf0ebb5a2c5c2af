import { auditBatch, MessageManager, meterBatch, type Operation } from '@quarry/core';
import { createLogger, QuarryMetrics } from '@quarry/observability';
import { auditPlugin, metricsPlugin } from './manager.plugins';

const admin = { id: 'key:ops', role: 'admin' as const };

function managerWith(operations: Operation<never, unknown>[]) {
  const entries: Record<string, unknown>[] = [];
  const metrics = new QuarryMetrics();
  const manager = new MessageManager()
    .register(...operations)
    .use(metricsPlugin(metrics))
    .use(auditPlugin(createLogger('silent'), (entry) => entries.push(entry)));
  const run = (op: string, args: unknown = {}) =>
    manager.handle({ op, args, principal: admin, transport: 'rest', requestId: 'r' });
  return { entries, metrics, run };
}

const batch = {
  items: [
    { id: 'a', index: 0, status: 'created' },
    { index: 1, status: 'failed' },
  ],
  failed: 1,
};

describe('audit and metering plugins read what each operation declares', () => {
  it('audits an operation by its own audit declaration, with ids and failures', async () => {
    const write = {
      name: 'write_batch',
      description: '',
      role: 'writer',
      audit: (_args: unknown, result: typeof batch | undefined) => auditBatch(result),
      run: async () => batch,
    } as Operation<never, unknown>;
    const { entries, run } = managerWith([write]);
    await run('write_batch');
    expect(entries).toEqual([
      expect.objectContaining({
        op: 'write_batch',
        principal: 'key:ops',
        ids: ['a', '#1'],
        failed: 1,
        outcome: 'ok',
      }),
    ]);
  });

  it('does not audit an operation that declares nothing, whatever its name', async () => {
    // The old plugin kept a list of names; a new write named like an old one proves nothing now.
    const named = { name: 'index_documents', description: '', role: 'writer', run: async () => batch };
    const { entries, run } = managerWith([named as Operation<never, unknown>]);
    await run('index_documents');
    expect(entries).toEqual([]);
  });

  it('meters the documents and bytes an operation declares', async () => {
    const write = {
      name: 'write_batch',
      description: '',
      role: 'writer',
      meter: (_args: unknown, result: typeof batch) => meterBatch(result.items, 42),
      run: async () => batch,
    } as Operation<never, unknown>;
    const { metrics, run } = managerWith([write]);
    await run('write_batch');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/quarry_ingest_documents_total\{status="created"\} 1/);
    expect(text).toMatch(/quarry_ingest_documents_total\{status="failed"\} 1/);
    expect(text).toMatch(/quarry_ingest_bytes_total 42/);
  });
});

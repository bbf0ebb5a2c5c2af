import { AuditWriter, type BulkClient } from './audit.writer';

type Entry = Record<string, unknown>;

interface BulkCall {
  actions: unknown[];
  documents: Entry[];
}

/** The bulk helper, in memory: records each batch; can fail a request or refuse some entries. */
class FakeBulk {
  calls: BulkCall[] = [];
  failNext = false;
  refuse = (_entry: Entry) => false;
  /** While set, a bulk request waits for it. */
  gate?: Promise<void>;

  client(): BulkClient {
    return {
      helpers: {
        bulk: async (options: {
          datasource: Entry[];
          onDocument: (doc: Entry) => unknown;
          onDrop: (dropped: unknown) => void;
        }) => {
          if (this.gate) await this.gate;
          if (this.failNext) {
            this.failNext = false;
            throw new Error('connect ECONNREFUSED 127.0.0.1:9201');
          }
          this.calls.push({
            actions: options.datasource.map((d) => options.onDocument(d)),
            documents: [...options.datasource],
          });
          for (const doc of options.datasource) if (this.refuse(doc)) options.onDrop({ document: doc });
          return { total: options.datasource.length };
        },
      },
    } as unknown as BulkClient;
  }
}

describe('AuditWriter', () => {
  let writers: AuditWriter[] = [];
  const writer = (bulk: FakeBulk, maxQueued = 100) => {
    const w = new AuditWriter(bulk.client(), 'qt-audit', maxQueued, 60_000);
    writers.push(w);
    return w;
  };
  afterEach(async () => {
    for (const w of writers) await w.close();
    writers = [];
  });

  it('sends what was recorded as one bulk request to the audit alias', async () => {
    const bulk = new FakeBulk();
    const audit = writer(bulk);
    audit.record({ op: 'search', n: 1 });
    audit.record({ op: 'index_documents', n: 2 });
    await audit.flush();
    expect(bulk.calls).toEqual([
      {
        actions: [{ index: { _index: 'qt-audit' } }, { index: { _index: 'qt-audit' } }],
        documents: [
          { op: 'search', n: 1 },
          { op: 'index_documents', n: 2 },
        ],
      },
    ]);
    await audit.flush();
    expect(bulk.calls).toHaveLength(1);
  });

  it('keeps a batch whose request failed and sends it, in order, with the next flush', async () => {
    const bulk = new FakeBulk();
    const audit = writer(bulk);
    audit.record({ n: 1 });
    bulk.failNext = true;
    await audit.flush();
    expect(bulk.calls).toHaveLength(0);
    audit.record({ n: 2 });
    await audit.flush();
    expect(bulk.calls.map((c) => c.documents)).toEqual([[{ n: 1 }, { n: 2 }]]);
    expect(audit.dropped).toBe(0);
  });

  it('drops the oldest entries beyond its bound while Elasticsearch is away, and counts them', async () => {
    const bulk = new FakeBulk();
    const audit = writer(bulk, 3);
    for (let n = 1; n <= 5; n++) audit.record({ n });
    bulk.failNext = true;
    await audit.flush();
    audit.record({ n: 6 });
    await audit.flush();
    expect(bulk.calls.map((c) => c.documents)).toEqual([[{ n: 4 }, { n: 5 }, { n: 6 }]]);
    expect(audit.dropped).toBe(3);
  });

  it('counts the entries Elasticsearch refused', async () => {
    const bulk = new FakeBulk();
    bulk.refuse = (entry) => entry.n === 2;
    const audit = writer(bulk);
    for (let n = 1; n <= 3; n++) audit.record({ n });
    await audit.flush();
    expect(audit.refused).toBe(1);
  });

  it('runs one bulk request at a time; entries recorded meanwhile go with the next', async () => {
    const bulk = new FakeBulk();
    let open!: () => void;
    bulk.gate = new Promise<void>((resolve) => (open = resolve));
    const audit = writer(bulk);
    audit.record({ n: 1 });
    const first = audit.flush();
    audit.record({ n: 2 });
    expect(audit.flush()).toBe(first);
    bulk.gate = undefined;
    open();
    await first;
    await audit.close();
    expect(bulk.calls.map((c) => c.documents)).toEqual([[{ n: 1 }], [{ n: 2 }]]);
  });
});

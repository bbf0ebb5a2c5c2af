/**
 * Losing a node under load (`npm run bench:cluster`): a 3-node cluster of the embedded Elasticsearch
 * (`quarry cluster up`), Quarry on it with QUARRY_INDEX_SHARDS=3 and QUARRY_INDEX_REPLICAS=1, a writer
 * sending batches through REST and a reader searching every 200 ms; the first listed node is killed
 * with SIGKILL. Prints what was acknowledged, what was lost, the errors and the longest gap without a
 * successful write or search. It measures and prints; it does not pass or fail.
 *
 * BENCH_CLUSTER_PORT (19201): HTTP port of the first node; BENCH_CLUSTER_DIR: the cluster's data
 * (a fresh temporary directory by default, removed afterwards); BENCH_CLUSTER_SECONDS (30): how long
 * the load runs after the kill; BENCH_CLUSTER_HEAP (320m) per node; BENCH_CLUSTER_SINGLE_URL=1 gives
 * Quarry only the first node's URL, as before issue 23 (the node then killed is the only one it knows);
 * BENCH_CLUSTER_KILL=master kills the elected master instead of the first listed node.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import {
  clusterUrl,
  startEmbeddedCluster,
  stopEmbeddedCluster,
  type ClusterNode,
} from '@quarry/embedded-elasticsearch';
import { runBenchmark, startInstance } from './instance';

export interface StreamFigures {
  /** Requests answered 2xx (for writes: batches acknowledged). */
  ok: number;
  errors: number;
  /** Status codes or error names of the failures, with counts. */
  errorKinds: Record<string, number>;
  /** Longest time without a successful answer, from the first success (warm-up done) to the end (ms). */
  longestGapMs: number;
  /** Where that gap began, in seconds relative to the kill (negative: before it). */
  longestGapAtSeconds: number;
  /** The three slowest requests: start relative to the kill (s), duration (ms), status or error. */
  slowest: { atSeconds: number; ms: number; outcome: string }[];
}

export interface NodeLossFigures {
  writes: StreamFigures & { documentsAcknowledged: number; documentsLost: number };
  searches: StreamFigures;
  /** Per Quarry index: primaries and replicas as the cluster reports them. */
  indices: { index: string; primaries: number; replicas: number }[];
  killed: { name: string; url: string; wasMaster: boolean };
  secondsAfterKill: number;
}

interface Stream {
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  successes: number[];
  /** Every request: when it started and how long it took (for the slowest ones). */
  requests: { startedAt: number; ms: number; outcome: string }[];
}

function newStream(): Stream {
  return { ok: 0, errors: 0, errorKinds: {}, successes: [], requests: [] };
}

function figures(stream: Stream, killedAt: number, end: number): StreamFigures {
  const times = [...stream.successes, end].sort((a, b) => a - b);
  let longest = 0;
  let at = times[0];
  for (let i = 1; i < times.length; i++)
    if (times[i] - times[i - 1] > longest) {
      longest = times[i] - times[i - 1];
      at = times[i - 1];
    }
  return {
    ok: stream.ok,
    errors: stream.errors,
    errorKinds: stream.errorKinds,
    longestGapMs: Math.round(longest),
    longestGapAtSeconds: Math.round((at - killedAt) / 100) / 10,
    slowest: [...stream.requests]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3)
      .map((r) => ({
        atSeconds: Math.round((r.startedAt - killedAt) / 100) / 10,
        ms: Math.round(r.ms),
        outcome: r.outcome,
      })),
  };
}

async function timedFetch(
  url: string,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, text: await response.text() };
}

function record(stream: Stream, outcome: { status: number } | Error, startedAt: number) {
  stream.requests.push({
    startedAt,
    ms: performance.now() - startedAt,
    outcome: outcome instanceof Error ? outcome.name : String(outcome.status),
  });
  if (!(outcome instanceof Error) && outcome.status >= 200 && outcome.status < 300) {
    stream.ok++;
    stream.successes.push(performance.now());
    return;
  }
  stream.errors++;
  const kind = outcome instanceof Error ? outcome.name : String(outcome.status);
  stream.errorKinds[kind] = (stream.errorKinds[kind] ?? 0) + 1;
}

/**
 * The measurement itself, on a running cluster and a running Quarry that uses it (the test and the
 * bench share it): load for `warmupMs`, SIGKILL the first node, load for `afterKillMs`, then check
 * every acknowledged document against the surviving nodes.
 */
export async function measureNodeLoss(options: {
  quarryUrl: string;
  nodes: ClusterNode[];
  indexPrefix: string;
  warmupMs: number;
  afterKillMs: number;
  /** Which node to kill: the first listed (default) or the elected master, whichever it is. */
  victim?: 'first' | 'master';
  batchSize?: number;
  log?: (message: string) => void;
}): Promise<NodeLossFigures> {
  const log = options.log ?? (() => undefined);
  const batchSize = options.batchSize ?? 5;
  const writes = newStream();
  const searches = newStream();
  const acknowledged: string[] = [];
  let stop = false;
  // Warm-up outside the measurement: the collection exists and the model has embedded once.
  const warm = await timedFetch(
    `${options.quarryUrl}/v1/documents?wait=true`,
    [{ id: 'warm-up', collection: 'cluster-fault', body: 'Warm-up document: failover keeps it.' }],
    120_000,
  );
  if (warm.status !== 200) throw new Error(`warm-up write answered ${warm.status}: ${warm.text}`);

  const writer = (async () => {
    for (let batch = 0; !stop && batch < 100_000; batch++) {
      const ids = Array.from({ length: batchSize }, (_, i) => `w-${batch}-${i}`);
      const documents = ids.map((id) => ({
        id,
        collection: 'cluster-fault',
        title: `Batch ${batch}`,
        body: `Document ${id} written while a node may be lost: failover keeps it.`,
      }));
      const startedAt = performance.now();
      try {
        const outcome = await timedFetch(`${options.quarryUrl}/v1/documents`, documents, 60_000);
        record(writes, outcome, startedAt);
        if (outcome.status >= 200 && outcome.status < 300) acknowledged.push(...ids);
      } catch (error) {
        record(writes, error as Error, startedAt);
      }
    }
  })();
  const reader = (async () => {
    for (let round = 0; !stop && round < 100_000; round++) {
      const startedAt = performance.now();
      const next = startedAt + 200;
      try {
        record(
          searches,
          await timedFetch(
            `${options.quarryUrl}/v1/search`,
            { query: 'failover keeps it', mode: 'lexical', collection: 'cluster-fault', size: 5 },
            60_000,
          ),
          startedAt,
        );
      } catch (error) {
        record(searches, error as Error, startedAt);
      }
      const wait = next - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();

  const masterName = async (client: Client) =>
    ((await client.cat.master({ format: 'json' })) as { node?: string }[])[0]?.node;
  let first = options.nodes[0];
  if (options.victim === 'master') {
    const any = new Client({ nodes: options.nodes.map((node) => node.url), requestTimeout: 30_000 });
    const name = await masterName(any).finally(() => any.close());
    first = options.nodes.find((node) => node.name === name) ?? first;
  }
  const others = options.nodes.filter((node) => node !== first);
  const survivor = new Client({ nodes: others.map((node) => node.url), requestTimeout: 30_000 });
  try {
    await new Promise((resolve) => setTimeout(resolve, options.warmupMs));
    const wasMaster = (await masterName(survivor)) === first.name;
    log(
      `killing ${first.name} (${first.url}, pid ${first.pid}${wasMaster ? ', the elected master' : ''}) with SIGKILL`,
    );
    process.kill(first.pid, 'SIGKILL');
    const killedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, options.afterKillMs));
    stop = true;
    await Promise.all([writer, reader]);
    const end = performance.now();

    const docsAlias = `${options.indexPrefix}-docs`;
    await survivor.indices.refresh({ index: docsAlias });
    let found = 0;
    for (let i = 0; i < acknowledged.length; i += 1000) {
      const page = await survivor.mget({
        index: docsAlias,
        ids: acknowledged.slice(i, i + 1000),
        _source: false,
      });
      found += page.docs.filter((doc) => 'found' in doc && doc.found).length;
    }
    const shards = await survivor.cat.indices({
      index: `${options.indexPrefix}-*`,
      format: 'json',
      h: 'index,pri,rep',
    });
    return {
      writes: {
        ...figures(writes, killedAt, end),
        documentsAcknowledged: acknowledged.length,
        documentsLost: acknowledged.length - found,
      },
      searches: figures(searches, killedAt, end),
      indices: (shards as { index?: string; pri?: string; rep?: string }[])
        .map((row) => ({ index: row.index ?? '', primaries: Number(row.pri), replicas: Number(row.rep) }))
        .sort((a, b) => a.index.localeCompare(b.index)),
      killed: { name: first.name, url: first.url, wasMaster },
      secondsAfterKill: Math.round((end - killedAt) / 100) / 10,
    };
  } finally {
    stop = true;
    await Promise.allSettled([writer, reader]);
    await survivor.close();
  }
}

export function printFigures(result: NodeLossFigures): void {
  const line = (name: string, s: StreamFigures, extra = '') =>
    `${name.padEnd(9)} ok ${String(s.ok).padStart(5)}  errors ${String(s.errors).padStart(3)} ${
      Object.keys(s.errorKinds).length ? JSON.stringify(s.errorKinds) : ''
    }  longest gap ${(s.longestGapMs / 1000).toFixed(2)} s (began ${s.longestGapAtSeconds} s after the kill)${extra}`;
  process.stdout.write(
    [
      `killed ${result.killed.name} (${result.killed.url})${result.killed.wasMaster ? ', the elected master,' : ''} with SIGKILL; load went on ${result.secondsAfterKill} s`,
      ...result.indices.map((i) => `  ${i.index}: ${i.primaries} primaries, ${i.replicas} replica(s)`),
      line(
        'writes',
        result.writes,
        `  documents acknowledged ${result.writes.documentsAcknowledged}, lost ${result.writes.documentsLost}`,
      ),
      line('searches', result.searches),
      ...(['writes', 'searches'] as const).map(
        (name) =>
          `slowest ${name}: ${result[name].slowest.map((r) => `${r.ms} ms at ${r.atSeconds} s (${r.outcome})`).join(', ')}`,
      ),
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const port = Number(process.env.BENCH_CLUSTER_PORT ?? 19201);
  const dataDir =
    process.env.BENCH_CLUSTER_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-cluster-bench-'));
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const nodes = await startEmbeddedCluster({
    nodes: 3,
    httpPort: port,
    dataDir,
    heap: process.env.BENCH_CLUSTER_HEAP ?? '320m',
    log,
  });
  const prefix = `bench-cluster-${Date.now().toString(36)}`;
  const instance = await startInstance(
    {
      ELASTICSEARCH_URL: process.env.BENCH_CLUSTER_SINGLE_URL === '1' ? nodes[0].url : clusterUrl(nodes),
      QUARRY_INDEX_SHARDS: '3',
      QUARRY_INDEX_REPLICAS: '1',
      QUARRY_INDEX_PREFIX: prefix,
      QUARRY_REQUEST_TIMEOUT_MS: process.env.BENCH_CLUSTER_REQUEST_TIMEOUT_MS ?? '10000',
    },
    'quarry-on-cluster',
  );
  try {
    process.stdout.write(
      `Quarry ${instance.url} on ${process.env.BENCH_CLUSTER_SINGLE_URL === '1' ? `${nodes[0].url} only` : clusterUrl(nodes)} (QUARRY_INDEX_SHARDS=3, QUARRY_INDEX_REPLICAS=1); ` +
        `${os.cpus().length} cores\n`,
    );
    printFigures(
      await measureNodeLoss({
        quarryUrl: instance.url,
        nodes,
        indexPrefix: prefix,
        warmupMs: 10_000,
        afterKillMs: Number(process.env.BENCH_CLUSTER_SECONDS ?? 30) * 1000,
        victim: process.env.BENCH_CLUSTER_KILL === 'master' ? 'master' : 'first',
        log,
      }),
    );
  } finally {
    instance.child.kill('SIGTERM');
    log((await stopEmbeddedCluster({ dataDir, graceMs: 20_000 })).join('\n'));
    if (!process.env.BENCH_CLUSTER_DIR) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runBenchmark(main);
}

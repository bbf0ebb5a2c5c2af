/**
 * Live-results benchmark (`npm run bench:live`): two Quarry processes on one Elasticsearch and
 * Redis, 1,000 open `liveSearch` subscriptions (graphql-ws) spread over both, then
 *
 *  - latency from the ingest's acknowledgement (REST answer) to the subscriber's event, for
 *    single-document ingests and for batches of 10, same-instance and cross-instance;
 *  - GraphQL `search` throughput at concurrency 32 next to the same query sent to
 *    Elasticsearch directly (ratio).
 *
 * Prints figures and ratios with the machine; never passes or fails on time.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '@quarry/config';
import { createElasticsearchClient, lexicalRequest } from '@quarry/search';
import { ensureServices } from '@quarry/services';
import { buildCorpus } from './corpus';
import { startInstance, runBenchmark, type Instance } from './instance';
import { machine, percentile, round, table, throughput, writeResult } from './stats';

const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 1000);
const CONNECTIONS_PER_INSTANCE = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const BATCH_ROUNDS = Number(process.env.BENCH_BATCH_ROUNDS ?? 30);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 3000);
const CONCURRENCY = 32;
const TOPICS = [
  'battery',
  'harbor',
  'glacier',
  'orchard',
  'violin',
  'compiler',
  'lantern',
  'meadow',
  'turbine',
  'pottery',
];

/** The marker word of subscription i: one analysed term that only its test documents contain. */
const marker = (i: number) => `lvmark${i.toString(36)}x`;

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

function summary(samples: number[]): Record<string, number> {
  return {
    n: samples.length,
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    max: round(Math.max(...samples)),
  };
}

async function main() {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const endpoints = await ensureServices(config, () => undefined);
  const prefix = `bench-live-${randomBytes(3).toString('hex')}`;
  const env = {
    ELASTICSEARCH_URL: endpoints.elasticsearchUrl,
    REDIS_URL: endpoints.redisUrl,
    QUARRY_INDEX_PREFIX: prefix,
  };
  const es = createElasticsearchClient(endpoints.elasticsearchUrl, 60_000);
  const corpus = await buildCorpus('wordnet', { documents: 1000, queries: 200 });
  // A answers every search itself (cache off); B runs with the default query cache (300 s).
  const instances = [
    await startInstance({ ...env, QUARRY_QUERY_CACHE_TTL: '0' }, 'A'),
    await startInstance({ ...env, QUARRY_QUERY_CACHE_TTL: '300' }, 'B'),
  ];
  const clients: Client[] = [];
  const report: Record<string, unknown> = {
    machine: machine(),
    startedAt: new Date().toISOString(),
    subscriptions: SUBSCRIPTIONS,
    instances: instances.length,
  };
  try {
    for (let i = 0; i < corpus.documents.length; i += 100) {
      await post(`${instances[i % 2].url}/v1/documents`, corpus.documents.slice(i, i + 100));
    }
    await es.indices.refresh({ index: `${prefix}-*` });

    // 1,000 subscriptions, half on each instance, over a few connections each; half lexical, half hybrid.
    const waiting = new Map<number, (at: number) => void>();
    const events = { received: 0, unexpected: 0 };
    for (const instance of instances) {
      for (let c = 0; c < CONNECTIONS_PER_INSTANCE; c++) {
        clients.push(
          createClient({
            url: `${instance.url.replace('http', 'ws')}/graphql`,
            webSocketImpl: WebSocket,
            lazy: false,
            retryAttempts: 0,
            onNonLazyError: (error) => process.stderr.write(`graphql-ws: ${String(error)}\n`),
          }),
        );
      }
    }
    const subscribeStarted = performance.now();
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const instance = i % 2;
      const client =
        clients[instance * CONNECTIONS_PER_INSTANCE + (Math.floor(i / 2) % CONNECTIONS_PER_INSTANCE)];
      client.subscribe(
        {
          query: 'subscription($input: SearchInput!) { liveSearch(input: $input) { change hit { id } } }',
          variables: {
            input: {
              query: `${marker(i)} ${TOPICS[i % TOPICS.length]}`,
              mode: i % 4 < 2 ? 'LEXICAL' : 'HYBRID',
            },
          },
        },
        {
          next: (result) => {
            const at = performance.now();
            events.received++;
            const id =
              (result.data as { liveSearch?: { hit: { id: string } } } | undefined)?.liveSearch?.hit.id ?? '';
            const target = /^live-(\d+)-/.exec(id);
            const resolve = target && Number(target[1]) === i ? waiting.get(i) : undefined;
            if (resolve) {
              waiting.delete(i);
              resolve(at);
            } else events.unexpected++;
          },
          error: (error) => process.stderr.write(`subscription ${i} failed: ${JSON.stringify(error)}\n`),
          complete: () => undefined,
        },
      );
    }
    for (;;) {
      await es.indices.refresh({ index: `${prefix}-live` });
      const { count } = await es.count({ index: `${prefix}-live` });
      if (count >= SUBSCRIPTIONS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const subscribeSeconds = (performance.now() - subscribeStarted) / 1000;
    process.stdout.write(`${SUBSCRIPTIONS} subscriptions registered in ${round(subscribeSeconds, 1)} s\n`);
    report.subscribeSeconds = round(subscribeSeconds, 1);

    // One document per round, alternating the ingesting instance; the target alternates too,
    // so half the deliveries cross instances.
    const single = {
      ack: [] as number[],
      request: [] as number[],
      same: [] as number[],
      cross: [] as number[],
      beforeAck: 0,
    };
    let missed = 0;
    /** When subscription i receives its document; NaN (a miss, counted) after 10 s. */
    const delivered = (i: number) =>
      new Promise<number>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(i);
          missed++;
          resolve(NaN);
        }, 10_000);
        waiting.set(i, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    const document = (i: number, round: number) => ({
      id: `live-${i}-${round}`,
      title: `Field report ${round}`,
      body: `Observation ${marker(i)} noted during the inspection; nothing else to report.`,
      collection: 'live-bench',
    });
    for (let r = 0; r < 20 + ROUNDS; r++) {
      const ingestOn = r % 2;
      // Subscription i lives on instance i % 2: the target's parity flips every other round.
      const target = 2 * ((r * 7919) % (SUBSCRIPTIONS / 2)) + (Math.floor(r / 2) % 2);
      const arrived = delivered(target);
      const sent = performance.now();
      await post(`${instances[ingestOn].url}/v1/documents`, [document(target, r)]);
      const acked = performance.now();
      const at = await arrived;
      if (r < 20 || Number.isNaN(at)) continue; // warm-up, or a miss (counted)
      const sinceAck = Math.max(0, at - acked);
      if (at < acked) single.beforeAck++;
      single.ack.push(sinceAck);
      single.request.push(at - sent);
      (target % 2 === ingestOn ? single.same : single.cross).push(sinceAck);
    }

    // Batches of 10 documents for 10 different subscriptions.
    const batch = { ack: [] as number[] };
    for (let r = 0; r < BATCH_ROUNDS; r++) {
      const targets = Array.from({ length: 10 }, (_, k) => (r * 131 + k * 97 + 5) % SUBSCRIPTIONS);
      const arrivals = targets.map(delivered);
      await post(
        `${instances[r % 2].url}/v1/documents`,
        targets.map((t) => document(t, 10_000 + r)),
      );
      const acked = performance.now();
      for (const at of await Promise.all(arrivals))
        if (!Number.isNaN(at)) batch.ack.push(Math.max(0, at - acked));
    }

    const latencyRows = [
      { case: 'single document, any instance', ...summary(single.ack) },
      { case: 'single document, same instance', ...summary(single.same) },
      { case: 'single document, cross-instance', ...summary(single.cross) },
      { case: 'single document, from request start', ...summary(single.request) },
      { case: 'batch of 10 documents', ...summary(batch.ack) },
    ];
    report.latency = {
      unit: 'ms from the ingest acknowledgement to the subscriber receiving the event',
      rows: latencyRows,
      deliveredBeforeAck: single.beforeAck,
      missed,
      eventsReceived: events.received,
      eventsForOtherSubscriptions: events.unexpected,
      target: 'p95 < 100 ms',
    };
    process.stdout.write(
      `\nLive delivery with ${SUBSCRIPTIONS} subscriptions over ${instances.length} instances (ms after the ingest's acknowledgement; seed target p95 < 100 ms)\n${table(latencyRows)}\n` +
        `${single.beforeAck} of ${single.ack.length} single-document events arrived before the REST answer (counted as 0 ms); ${missed} missed; ` +
        `${events.unexpected} events went to other subscriptions (hybrid queries whose first page the document would enter)\n`,
    );

    // Search throughput at concurrency 32: GraphQL next to the same query straight to Elasticsearch.
    const queries = corpus.queries.map((q) => q.text);
    const docsIndex = Object.keys(await es.indices.getAlias({ name: `${prefix}-docs` }))[0];
    const direct = (i: number) =>
      es.search(
        lexicalRequest(
          docsIndex,
          queries[i % queries.length],
          {},
          { from: 0, size: 10, facets: true, documentFragments: 3 },
        ),
      );
    const search = (instance: Instance, i: number) =>
      post(`${instance.url}/graphql`, {
        query:
          'query($input: SearchInput!) { search(input: $input) { total tookMs hits { id score title snippet highlights collection tags } facets { collection { value count } } } }',
        variables: { input: { query: queries[i % queries.length], mode: 'LEXICAL' } },
      }).then((body) => {
        if ((body as { errors?: unknown }).errors)
          throw new Error(JSON.stringify((body as { errors: unknown }).errors));
      });
    const rest = (i: number) =>
      post(`${instances[0].url}/v1/search`, { query: queries[i % queries.length], mode: 'lexical' });
    const cases: [string, (i: number) => Promise<unknown>][] = [
      ['Elasticsearch directly', direct],
      ['GraphQL search (cache off)', (i) => search(instances[0], i)],
      ['REST /v1/search (cache off), for reference', rest],
      ['GraphQL search (default query cache, 200 distinct queries)', (i) => search(instances[1], i)],
    ];
    const perSecond: number[] = [];
    for (const [, run] of cases) {
      await throughput(CONCURRENCY, 300, run);
      perSecond.push(await throughput(CONCURRENCY, SEARCHES, run));
    }
    const throughputRows = cases.map(([name], k) => ({
      case: name,
      'searches/s': round(perSecond[k], 0),
      'ratio to direct ES': round(perSecond[k] / perSecond[0]),
    }));
    report.throughput = {
      concurrency: CONCURRENCY,
      requests: SEARCHES,
      rows: throughputRows,
      target: 'GraphQL (cache off) / direct ES >= 0.8',
    };
    process.stdout.write(
      `\nSearch throughput at concurrency ${CONCURRENCY}, lexical, ${SEARCHES} requests each (seed target GraphQL/direct >= 0.8)\n${table(throughputRows)}\n`,
    );
  } finally {
    for (const client of clients) await client.dispose();
    for (const instance of instances) instance.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    const indices = Object.keys(await es.indices.get({ index: `${prefix}-*`, allow_no_indices: true }));
    if (indices.length) await es.indices.delete({ index: indices });
    await es.indices.deleteIndexTemplate({ name: `${prefix}-*` }, { ignore: [404] });
    await es.close();
  }
  process.stdout.write(
    `\nmachine: ${JSON.stringify(report.machine)}\nwritten to ${writeResult('live', report)}\n`,
  );
  process.exit(0);
}

runBenchmark(main);

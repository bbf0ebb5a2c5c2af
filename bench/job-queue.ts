/**
 * Jobs on BullMQ or on Quarry's own scheme (`npm run build && node dist/bench/job-queue.js`): the
 * figures that decide whether sync jobs move onto BullMQ (issue 26), each side by side in one run.
 *
 * 1. Takeover after SIGKILL: a child process runs a job and is killed; how long until another
 *    instance takes the job over. Quarry: the real JobService (heartbeat every 2 s into the
 *    Elasticsearch record) and the real SyncScheduler (a tick every 5 s, stale after 10 s). BullMQ:
 *    a Worker's stalled-job detection, with its defaults (lock 30 s, check every 30 s) and tuned to
 *    Quarry's budget (lock 10 s, check every 5 s).
 * 2. Scheduling with two instances: a schedule every BENCH_JOBS_PERIOD_S (10) seconds for
 *    BENCH_JOBS_SCHEDULE_S (62) seconds; runs, duplicates (two runs of one period) and lateness.
 *    Quarry: two SyncSchedulers (SET NX PX locks) over one source list; BullMQ: two instances that
 *    both upsert the same job scheduler.
 * 3. Redis round trips per job, counted on every ioredis connection of this process.
 *
 * Elasticsearch and Redis of the embedded default (ELASTICSEARCH_URL, REDIS_URL). It prints figures
 * and ratios; it does not pass or fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Client } from '@elastic/elasticsearch';
import { Queue, Worker, type Job } from 'bullmq';
import IORedis from 'ioredis';
import {
  HEARTBEAT_MS,
  IngestMetaStore,
  JobService,
  STALE_AFTER_MS,
  SyncScheduler,
  TICK_MS,
  type JobState,
  type SourceDefinition,
  type SourceService,
} from '@quarry/ingest';
import { runBenchmark } from './instance';

const ELASTICSEARCH_URL = process.env.ELASTICSEARCH_URL?.split(',')[0] ?? 'http://127.0.0.1:9201';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = 'quarry-bench-jobs';
const INDEX = `${PREFIX}-meta`;
const TAKEOVER_RUNS = Number(process.env.BENCH_JOBS_TAKEOVER_RUNS ?? 3);
const PERIOD_MS = Number(process.env.BENCH_JOBS_PERIOD_S ?? 10) * 1_000;
const SCHEDULE_MS = Number(process.env.BENCH_JOBS_SCHEDULE_S ?? 62) * 1_000;
const ROUND_TRIP_JOBS = 200;
/** Which parts run: takeover, schedule, trips (all by default). */
const PARTS = (process.env.BENCH_JOBS_PARTS ?? 'takeover,schedule,trips').split(',');

/**
 * Commands sent per connection name (BullMQ's connections included: it uses this ioredis, and the
 * connections it duplicates keep the name). A pipeline counts each of its commands.
 */
const commandsBy = new Map<string, number>();
const commands = (name: string) => commandsBy.get(name) ?? 0;
const sendCommand = IORedis.prototype.sendCommand;
IORedis.prototype.sendCommand = function (this: IORedis, ...args: Parameters<typeof sendCommand>) {
  const name = this.options.connectionName ?? '';
  commandsBy.set(name, commands(name) + 1);
  return sendCommand.apply(this, args);
};

const redisOptions = (connectionName = 'bench') => {
  const url = new URL(REDIS_URL);
  return { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null, connectionName };
};

async function createMetaIndex(elasticsearch: Client): Promise<void> {
  await elasticsearch.indices.delete({ index: INDEX }, { ignore: [404] });
  await elasticsearch.indices.create({
    index: INDEX,
    mappings: {
      properties: {
        kind: { type: 'keyword' },
        name: { type: 'keyword' },
        updated_at: { type: 'date' },
        definition: { type: 'object', enabled: false },
      },
    },
  });
}

function spawnChild(
  mode: string,
  ...args: string[]
): { child: ChildProcess; said: (word: string) => Promise<string> } {
  const child = spawn(process.execPath, [__filename, mode, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const waiters: { word: string; resolve: (line: string) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const waiter of [...waiters]) {
      const line = out.split('\n').find((l) => l.startsWith(waiter.word));
      if (line) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const said = (word: string) =>
    new Promise<string>((resolve) => {
      const line = out.split('\n').find((l) => l.startsWith(word));
      if (line) resolve(line);
      else waiters.push({ word, resolve });
    });
  return { child, said };
}

async function kill(child: ChildProcess): Promise<number> {
  const at = Date.now();
  if (child.exitCode !== null || child.signalCode !== null) throw new Error('the child had already stopped');
  child.kill('SIGKILL');
  await once(child, 'exit');
  return at;
}

/** Child: one instance running an endless job through the real JobService (heartbeat into ES). */
async function heartbeatChild(): Promise<void> {
  const store = new IngestMetaStore(new Client({ node: ELASTICSEARCH_URL }), INDEX);
  const jobs = new JobService(store);
  const job = await jobs.start(
    { kind: 'ingest', collection: 'bench' },
    (handle) =>
      new Promise((_resolve, reject) =>
        handle.signal.addEventListener('abort', () => reject(new Error('stop'))),
      ),
  );
  process.stdout.write(`started ${job.id}\n`);
  // A server's other work keeps its process alive (the heartbeat timer does not).
  setInterval(() => undefined, 60_000);
}

/** Child: one instance whose BullMQ worker takes a job and works on it until killed. */
function bullmqChild(queue: string, lockDuration: string, stalledInterval: string): void {
  const worker = new Worker(
    queue,
    async (job) => {
      process.stdout.write(`active ${job.id}\n`);
      await new Promise(() => undefined);
    },
    {
      connection: redisOptions(),
      prefix: PREFIX,
      lockDuration: Number(lockDuration),
      stalledInterval: Number(stalledInterval),
    },
  );
  void worker.waitUntilReady().then(() => process.stdout.write('ready\n'));
}

async function heartbeatTakeover(elasticsearch: Client, redis: IORedis): Promise<number> {
  await createMetaIndex(elasticsearch);
  const store = new IngestMetaStore(elasticsearch, INDEX);
  const jobs = new JobService(store);
  let takenOver: (at: number) => void;
  const taken = new Promise<number>((resolve) => (takenOver = resolve));
  const markInterrupted = jobs.markInterrupted.bind(jobs);
  jobs.markInterrupted = async (...args) => {
    takenOver(Date.now());
    return markInterrupted(...args);
  };
  const noSources = { list: async () => [], get: async () => undefined } as unknown as SourceService;
  const { child, said } = spawnChild('heartbeat-child');
  await said('started');
  // The survivor has been running its own ticks all along, as another instance would.
  const survivor = new SyncScheduler(noSources, jobs, redis, `${PREFIX}:${randomUUID()}`, (e) =>
    console.error(e),
  );
  survivor.start();
  // Killed at a random point of its heartbeat period, as a crash would be.
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 2_000 + 500));
  const killedAt = await kill(child);
  const at = await taken;
  survivor.stop();
  return at - killedAt;
}

async function bullmqTakeover(lockDuration: number, stalledInterval: number): Promise<number> {
  const name = `takeover-${randomUUID()}`;
  const queue = new Queue(name, { connection: redisOptions(), prefix: PREFIX });
  const { child, said } = spawnChild('bullmq-child', name, String(lockDuration), String(stalledInterval));
  await said('ready');
  await queue.add('sync', { source: 'bench' });
  await said('active');
  let takenOver: (at: number) => void;
  const taken = new Promise<number>((resolve) => (takenOver = resolve));
  // The survivor, another instance already running when the first one dies.
  const survivor = new Worker(
    name,
    async () => {
      takenOver(Date.now());
    },
    { connection: redisOptions(), prefix: PREFIX, lockDuration, stalledInterval },
  );
  await survivor.waitUntilReady();
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 2_000 + 500));
  const killedAt = await kill(child);
  const at = await taken;
  await survivor.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return at - killedAt;
}

interface ScheduleFigures {
  runs: number;
  duplicates: number;
  /** Mean time between runs (ms): the period plus what each run comes late. */
  meanGapMs: number;
  maxLateMs: number;
  redisCommands: number;
}

function figures(starts: number[], late: number[], commands: number): ScheduleFigures {
  const sorted = [...starts].sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((t, i) => t - sorted[i]);
  return {
    runs: starts.length,
    duplicates: gaps.filter((g) => g < PERIOD_MS / 2).length,
    meanGapMs: Math.round(gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length)),
    maxLateMs: Math.round(Math.max(0, ...late)),
    redisCommands: commands,
  };
}

/** Two SyncSchedulers over one source list (in memory: kinder to them than the index they read). */
async function heartbeatSchedule(): Promise<ScheduleFigures> {
  const every = `${PERIOD_MS / 1_000}s`;
  const source = { name: 'bench', type: 'directory', collection: 'bench', every } as SourceDefinition;
  const starts: number[] = [];
  const late: number[] = [];
  const sources = {
    list: async () => [{ ...source }],
    get: async () => ({ ...source }),
    sync: async () => {
      const now = Date.now();
      if (source.last_sync) late.push(now - (Date.parse(source.last_sync) + PERIOD_MS));
      starts.push(now);
      source.last_sync = new Date(now).toISOString();
      return {} as JobState;
    },
  } as unknown as SourceService;
  const noJobs = { list: async () => [], runsHere: () => false } as unknown as JobService;
  const lockPrefix = `${PREFIX}:${randomUUID()}`;
  const connections = [0, 1].map(() => new IORedis(REDIS_URL, { connectionName: 'quarry-schedule' }));
  const schedulers = connections.map((redis) => new SyncScheduler(sources, noJobs, redis, lockPrefix));
  for (const scheduler of schedulers) scheduler.start();
  await new Promise((resolve) => setTimeout(resolve, SCHEDULE_MS));
  for (const scheduler of schedulers) scheduler.stop();
  for (const redis of connections) redis.disconnect();
  return figures(starts, late, commands('quarry-schedule'));
}

/** Two instances that both upsert the same BullMQ job scheduler and both run workers. */
async function bullmqSchedule(): Promise<ScheduleFigures> {
  const name = `schedule-${randomUUID()}`;
  const starts: number[] = [];
  const late: number[] = [];
  const instances = [0, 1].map(() => {
    const queue = new Queue(name, { connection: redisOptions('bullmq-schedule'), prefix: PREFIX });
    const worker = new Worker(
      name,
      async (job: Job) => {
        const now = Date.now();
        starts.push(now);
        late.push(now - (job.timestamp + (job.opts.delay ?? 0)));
      },
      { connection: redisOptions('bullmq-schedule'), prefix: PREFIX },
    );
    return { queue, worker };
  });
  for (const { queue } of instances)
    await queue.upsertJobScheduler(
      'bench',
      { every: PERIOD_MS },
      { name: 'sync', data: { source: 'bench' } },
    );
  await new Promise((resolve) => setTimeout(resolve, SCHEDULE_MS));
  for (const { worker } of instances) await worker.close();
  const sent = commands('bullmq-schedule');
  await instances[0].queue.obliterate({ force: true });
  for (const { queue } of instances) await queue.close();
  return figures(starts, late, sent);
}

/** Redis commands per job through BullMQ: add, take, lock, complete (one worker, jobs of no work). */
async function bullmqRoundTrips(): Promise<{ perJob: number; idlePerSecond: number; lockPerSecond: number }> {
  const name = `trips-${randomUUID()}`;
  const queue = new Queue(name, { connection: redisOptions('bullmq-trips'), prefix: PREFIX });
  let done = 0;
  let allDone: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  let hold: (() => void) | undefined;
  const worker = new Worker(
    name,
    async (job: Job) => {
      if (job.name === 'long') await new Promise<void>((resolve) => (hold = resolve));
      else if (++done === ROUND_TRIP_JOBS) allDone();
    },
    {
      connection: redisOptions('bullmq-trips'),
      prefix: PREFIX,
      lockDuration: 10_000,
      stalledInterval: 5_000,
    },
  );
  await worker.waitUntilReady();
  // Idle: what a worker costs with nothing to do (blocking waits, stalled checks).
  let before = commands('bullmq-trips');
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const idlePerSecond = (commands('bullmq-trips') - before) / 10;
  before = commands('bullmq-trips');
  for (let i = 0; i < ROUND_TRIP_JOBS; i++) await queue.add('sync', { source: 'bench', i });
  await finished;
  const perJob = (commands('bullmq-trips') - before) / ROUND_TRIP_JOBS;
  // One job running 10 s: lock renewals on top of the idle cost.
  await queue.add('long', {});
  await new Promise((resolve) => setTimeout(resolve, 500));
  before = commands('bullmq-trips');
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const lockPerSecond = (commands('bullmq-trips') - before) / 10 - idlePerSecond;
  hold?.();
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { perJob, idlePerSecond, lockPerSecond };
}

const seconds = (ms: number) => `${(ms / 1_000).toFixed(1)} s`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const elasticsearch = new Client({ node: ELASTICSEARCH_URL });
  const redis = new IORedis(REDIS_URL);
  try {
    if (PARTS.includes('takeover')) {
      console.log(
        `Takeover after SIGKILL (${TAKEOVER_RUNS} runs each; Quarry: heartbeat ${seconds(HEARTBEAT_MS)}, stale after ${seconds(STALE_AFTER_MS)}, tick ${seconds(TICK_MS)})`,
      );
      const takeover: Record<string, number[]> = { quarry: [], tuned: [], defaults: [] };
      for (let run = 0; run < TAKEOVER_RUNS; run++) {
        takeover.quarry.push(await heartbeatTakeover(elasticsearch, redis));
        takeover.tuned.push(await bullmqTakeover(10_000, 5_000));
      }
      takeover.defaults.push(await bullmqTakeover(30_000, 30_000));
      const base = median(takeover.quarry);
      for (const [label, values] of Object.entries({
        'Quarry heartbeat + scheduler': takeover.quarry,
        'BullMQ lock 10 s, stalled check 5 s': takeover.tuned,
        'BullMQ defaults (30 s, 30 s), 1 run': takeover.defaults,
      }))
        console.log(
          `  ${label.padEnd(38)} median ${seconds(median(values))} (${values.map(seconds).join(', ')}), ×${(median(values) / base).toFixed(2)}`,
        );
    }

    if (PARTS.includes('schedule')) {
      console.log(`\nScheduling, 2 instances, every ${seconds(PERIOD_MS)} for ${seconds(SCHEDULE_MS)}`);
      const [quarry, bull] = await Promise.all([heartbeatSchedule(), bullmqSchedule()]);
      for (const [label, f] of Object.entries({
        'Quarry SET NX scheduler': quarry,
        'BullMQ job scheduler': bull,
      }))
        console.log(
          `  ${label.padEnd(26)} runs ${f.runs}, duplicates ${f.duplicates}, mean gap ${seconds(f.meanGapMs)} (period ${seconds(PERIOD_MS)}), latest ${seconds(f.maxLateMs)} late, ${f.redisCommands} Redis commands (${(f.redisCommands / (SCHEDULE_MS / 1_000) / 2).toFixed(2)}/s per instance), ×${(f.redisCommands / Math.max(1, quarry.redisCommands)).toFixed(1)}`,
        );
    }

    if (PARTS.includes('trips')) {
      console.log('\nRedis commands per job (BullMQ: one worker, jobs of no work)');
      const trips = await bullmqRoundTrips();
      console.log(
        `  BullMQ: ${trips.perJob.toFixed(1)} per job (add to completion), ${trips.idlePerSecond.toFixed(2)}/s per idle worker, +${trips.lockPerSecond.toFixed(2)}/s per running job (lock renewals)`,
      );
      console.log(
        `  Quarry: 1 per scheduled or resumed start (SET NX), 0 per manual sync; per instance ${(2 / (TICK_MS / 1_000)).toFixed(2)} Elasticsearch searches/s (ticks); per running job ${(1_000 / HEARTBEAT_MS).toFixed(2)} Elasticsearch writes/s (heartbeat)`,
      );
      console.log(
        '  Either way each job keeps its Elasticsearch record (created, progress, final): BullMQ adds its Redis state on top.',
      );
    }
  } finally {
    redis.disconnect();
    await elasticsearch.indices.delete({ index: INDEX }, { ignore: [404] });
    await elasticsearch.close();
  }
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'heartbeat-child') void heartbeatChild();
else if (mode === 'bullmq-child') bullmqChild(args[0], args[1], args[2]);
else runBenchmark(main);

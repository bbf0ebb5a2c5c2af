import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  commandExists,
  findFreePort,
  isOurProcess,
  isPortInUse,
  notOurs,
  readRecord,
  removeRecord,
  run,
  ServiceError,
  spawnDetached,
  stopProcess,
  waitFor,
  writeRecord,
} from '@quarry/process';

const SERVICE = 'Redis';

export interface RedisLauncherOptions {
  dataDir: string;
  /** The configured REDIS_URL (or the default). */
  url: string;
  /** True when REDIS_URL came from the environment: then nothing is ever started. */
  explicit: boolean;
  log?: (message: string) => void;
}

function files(dataDir: string) {
  const dir = path.join(dataDir, 'redis');
  return {
    dir,
    record: path.join(dataDir, 'redis.json'),
    log: path.join(dataDir, 'redis.log'),
    // redis-server rewrites its command line to `redis-server host:port`, but runs in its --dir.
    identity: { marker: 'redis-server', dir },
  };
}

/** Sends PING over a raw socket: no client library, no reconnect loop, a plain yes or no. */
export function pingRedis(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port, password, username } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port) || 6379 });
    let buffer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => {
      if (password) {
        const auth = username
          ? ['AUTH', decodeURIComponent(username), decodeURIComponent(password)]
          : ['AUTH', decodeURIComponent(password)];
        socket.write(
          auth
            .map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`)
            .reduce((s, a) => s + a, `*${auth.length}\r\n`),
        );
      }
      socket.write('*1\r\n$4\r\nPING\r\n');
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      if (buffer.includes('+PONG')) done(true);
      else if (buffer.includes('-')) done(false);
    });
  });
}

async function ensureRedisBinary(log: (message: string) => void): Promise<void> {
  if (await commandExists('redis-server')) return;
  if (process.getuid?.() !== 0) {
    throw new ServiceError(
      SERVICE,
      'redis-server is not installed; install it with "sudo apt-get install redis-server" ' +
        '(or brew install redis), or set REDIS_URL to a running Redis 7',
    );
  }
  log('redis-server is missing; installing it with apt-get');
  let result = await run('apt-get', ['install', '-y', '-q', 'redis-server'], process.cwd());
  if (result.code !== 0) {
    await run('apt-get', ['update', '-q'], process.cwd());
    result = await run('apt-get', ['install', '-y', '-q', 'redis-server'], process.cwd());
  }
  if (result.code !== 0 || !(await commandExists('redis-server'))) {
    throw new ServiceError(
      SERVICE,
      `apt-get install redis-server failed:\n${result.output.split('\n').slice(-10).join('\n')}`,
    );
  }
}

/**
 * Resolves with the Redis URL to use: REDIS_URL if it answers; else a Redis this checkout
 * started before; else a new redis-server on 6379 (or a free port) with data under dataDir.
 */
export async function startRedis(options: RedisLauncherOptions): Promise<string> {
  const log = options.log ?? (() => undefined);
  if (await pingRedis(options.url)) {
    log(`using Redis at ${options.url}`);
    return options.url;
  }
  if (options.explicit) {
    throw new ServiceError(
      SERVICE,
      `REDIS_URL ${options.url} does not answer PING; start it or unset REDIS_URL`,
    );
  }
  const { dir, record: recordFile, log: logFile, identity } = files(options.dataDir);
  const record = readRecord(recordFile);
  if (record) {
    const url = `redis://127.0.0.1:${record.port}`;
    if (isOurProcess(record.pid, identity)) {
      await waitFor(SERVICE, () => pingRedis(url), { timeoutMs: 15_000, pid: record.pid, logFile });
      log(`reusing Redis at ${url} (pid ${record.pid})`);
      return url;
    }
    log(`removing stale pid file ${recordFile} (process ${record.pid} is gone or is not our Redis)`);
    removeRecord(recordFile);
  }
  await ensureRedisBinary(log);
  const defaultPort = Number(new URL(options.url).port) || 6379;
  const port = (await isPortInUse(defaultPort)) ? await findFreePort() : defaultPort;
  fs.mkdirSync(dir, { recursive: true });
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
  ];
  log(`starting redis-server on port ${port} (data ${dir})`);
  const pid = spawnDetached('redis-server', args, logFile, dir);
  writeRecord(recordFile, { pid, port, startedAt: new Date().toISOString() });
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(SERVICE, () => pingRedis(url), { timeoutMs: 15_000, pid, logFile });
  return url;
}

export async function redisStatus(
  options: RedisLauncherOptions,
): Promise<{ url?: string; pid?: number; answering: boolean }> {
  const { record: recordFile, identity } = files(options.dataDir);
  const record = readRecord(recordFile);
  const url = record ? `redis://127.0.0.1:${record.port}` : options.url;
  return {
    url,
    pid: record && isOurProcess(record.pid, identity) ? record.pid : undefined,
    answering: await pingRedis(url),
  };
}

export async function stopRedis(options: RedisLauncherOptions): Promise<string> {
  const { record: recordFile, identity } = files(options.dataDir);
  const record = readRecord(recordFile);
  if (!record) return 'Redis: not started by this checkout';
  const outcome = await stopProcess(record.pid, 10_000, identity);
  if (outcome === 'not-ours') {
    const message = notOurs(SERVICE, record.pid, recordFile);
    removeRecord(recordFile);
    return message;
  }
  removeRecord(recordFile);
  return outcome === 'not-running'
    ? `Redis: pid ${record.pid} was not running (stale pid file removed)`
    : `Redis: ${outcome} (pid ${record.pid})`;
}

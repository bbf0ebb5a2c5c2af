import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stopEmbeddedElasticsearch } from '@quarry/embedded-elasticsearch';
import { isAlive, isOurProcess, writeRecord } from '@quarry/process';
import { stopRedis } from './redis.launcher';

/**
 * Issue 10, item 10: `npm run down` signalled whatever pid its pid file named. A pid file that
 * names a process which is not the service this checkout started (the pid was reused, or the
 * file was edited) must leave that process alone.
 */
describe('stopping services only stops our own processes', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];

  /** A long-lived harmless process; `argv0` and the arguments make it look like a service or not. */
  const start = (options: { argv0?: string; cwd?: string; args?: string[] } = {}): ChildProcess => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...(options.args ?? [])], {
      argv0: options.argv0,
      cwd: options.cwd,
      stdio: 'ignore',
    });
    children.push(child);
    return child;
  };
  const exited = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-down-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await exited(child);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const redisOptions = () => ({ dataDir, url: 'redis://127.0.0.1:1', explicit: false });
  const esOptions = () => ({ dataDir, port: 1, heap: '64m' });

  it('leaves alone a process the Redis pid file names that is not our redis-server', async () => {
    const stranger = start();
    writeRecord(path.join(dataDir, 'redis.json'), { pid: stranger.pid!, port: 6399, startedAt: '' });
    const message = await stopRedis(redisOptions());
    expect(message).toMatch(/is not the Redis this checkout started/);
    expect(isAlive(stranger.pid!)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'redis.json'))).toBe(false);
  });

  it('leaves alone a redis-server of another data directory', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-other-'));
    try {
      const other = start({ argv0: 'redis-server', cwd: elsewhere });
      writeRecord(path.join(dataDir, 'redis.json'), { pid: other.pid!, port: 6399, startedAt: '' });
      expect(await stopRedis(redisOptions())).toMatch(/not the Redis this checkout started/);
      expect(isAlive(other.pid!)).toBe(true);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('stops our redis-server (running in our data directory)', async () => {
    fs.mkdirSync(path.join(dataDir, 'redis'));
    const ours = start({ argv0: 'redis-server', cwd: path.join(dataDir, 'redis') });
    writeRecord(path.join(dataDir, 'redis.json'), { pid: ours.pid!, port: 6399, startedAt: '' });
    expect(await stopRedis(redisOptions())).toBe(`Redis: stopped (pid ${ours.pid})`);
    await exited(ours);
  });

  it('leaves alone a process the Elasticsearch pid file names that is not our node', async () => {
    const stranger = start({ argv0: 'java' });
    writeRecord(path.join(dataDir, 'es.json'), { pid: stranger.pid!, port: 1, startedAt: '' });
    expect(await stopEmbeddedElasticsearch(esOptions())).toMatch(
      /is not the embedded Elasticsearch this checkout started/,
    );
    expect(isAlive(stranger.pid!)).toBe(true);
  });

  it('stops our node: the embedded main class with our -basePath', async () => {
    const home = path.join(dataDir, 'es');
    const ours = start({
      argv0: 'java',
      args: ['dev.quarry.embedded.EmbeddedElasticsearch', '-basePath', home],
    });
    expect(isOurProcess(ours.pid!, { marker: 'dev.quarry.embedded.EmbeddedElasticsearch', dir: home })).toBe(
      true,
    );
    writeRecord(path.join(dataDir, 'es.json'), { pid: ours.pid!, port: 1, startedAt: '' });
    expect(await stopEmbeddedElasticsearch(esOptions())).toBe(
      `embedded Elasticsearch: stopped (pid ${ours.pid})`,
    );
    await exited(ours);
  });
});

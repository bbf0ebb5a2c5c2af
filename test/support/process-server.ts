import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { findFreePort } from '@quarry/services';
import { servicesFromSetup } from './test-env';

export interface ServerProcess {
  url: string;
  process: ChildProcess;
  rssBytes(): number;
  stop(): Promise<void>;
}

/** A Quarry instance in its own process (npm start's entry point), on the shared test services. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await findFreePort();
  const { elasticsearchUrl, redisUrl } = servicesFromSetup();
  const child = spawn(process.execPath, ['dist/apps/server/src/main.js'], {
    env: {
      ...process.env,
      ELASTICSEARCH_URL: elasticsearchUrl,
      REDIS_URL: redisUrl,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 90 s:\n${output}`)), 90_000);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    const check = setInterval(() => {
      if (output.includes('Quarry is listening')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
  });
  return {
    url,
    process: child,
    rssBytes: () => {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { findFreePort } from '@quarry/services';

export interface Instance {
  name: string;
  url: string;
  child: ChildProcess;
}

const root = path.join(__dirname, '..', '..');

/**
 * One Quarry process (npm start's entry point) for a benchmark, unmetered, on a free port: this
 * checkout's build, or `checkout`'s (a baseline built elsewhere), with `nodeArgs` such as
 * `--cpu-prof`.
 */
export async function startInstance(
  env: Record<string, string>,
  name = 'quarry',
  { checkout = root, nodeArgs = [] }: { checkout?: string; nodeArgs?: string[] } = {},
): Promise<Instance> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [...nodeArgs, path.join(checkout, 'dist/apps/server/src/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      QUARRY_RATE_LIMIT_READ: '0',
      QUARRY_RATE_LIMIT_WRITE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Quarry is listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`Quarry ${name} exited with ${code}`)));
  });
  return { name, url: `http://127.0.0.1:${port}`, child };
}

/** Runs a benchmark's main: exit 0 when it finished (whatever it measured), 1 with the stack when it broke. */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}

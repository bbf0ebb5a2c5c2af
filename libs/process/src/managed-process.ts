import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** What Quarry records about a service it started, so a later run can reuse or stop it. */
export interface ProcessRecord {
  pid: number;
  port: number;
  startedAt: string;
}

export class ServiceError extends Error {
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(`${service}: ${message}`);
    this.name = 'ServiceError';
  }
}

export function readRecord(file: string): ProcessRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as ProcessRecord;
    return Number.isInteger(record.pid) && Number.isInteger(record.port) ? record : undefined;
  } catch {
    return undefined;
  }
}

export function writeRecord(file: string, record: ProcessRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
}

export function removeRecord(file: string): void {
  fs.rmSync(file, { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * How to recognise a service this checkout started, so that a pid file naming a process that
 * has since exited (and whose pid was reused), or one edited by hand, never gets it signalled.
 */
export interface ProcessIdentity {
  /** A word its command line contains: `redis-server`, the embedded node's Java main class. */
  marker: string;
  /** This checkout's data directory of the service: its working directory or one of its arguments. */
  dir: string;
}

/** A process's command line and working directory, or undefined when it is gone. */
export function processInfo(pid: number): { argv: string[]; cwd?: string } | undefined {
  if (fs.existsSync('/proc/self/cmdline')) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      let cwd: string | undefined;
      try {
        cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // Another user's process: its working directory cannot be read, and it is not ours.
      }
      return { argv, cwd };
    } catch {
      return undefined;
    }
  }
  // No /proc (macOS): ps shows the command line, not the working directory.
  try {
    const line = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return line ? { argv: line.split(/\s+/) } : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` runs the service described by `identity` for this checkout's data directory. */
export function isOurProcess(pid: number, identity: ProcessIdentity): boolean {
  const info = processInfo(pid);
  if (!info || !info.argv.some((arg) => arg.includes(identity.marker))) return false;
  const dir = path.resolve(identity.dir);
  if (info.argv.includes(dir) || info.cwd === dir) return true;
  // Without /proc the working directory is unknown; the marker has to do.
  return info.cwd === undefined && !fs.existsSync('/proc/self/cmdline');
}

/** True when something accepts TCP connections on host:port. */
export function isPortInUse(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Asks the OS for a free loopback port. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a service that outlives this process (so other Quarry instances can share it), logging to a file. */
export function spawnDetached(command: string, args: string[], logFile: string, cwd: string): number {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  if (child.pid === undefined) throw new ServiceError(command, `could not be started (see ${logFile})`);
  child.unref();
  return child.pid;
}

/** Last lines of a log, to put the cause of a failed start into the error message. */
export function tailOf(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `probe` until it returns true. Fails early when the process died (`pid` given) so a
 * crash is reported at once with its log, never as a hang.
 */
export async function waitFor(
  service: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; pid?: number; logFile?: string; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    if (options.pid !== undefined && !isAlive(options.pid)) {
      const log = options.logFile
        ? `; last log lines from ${options.logFile}:\n${tailOf(options.logFile)}`
        : '';
      throw new ServiceError(service, `process ${options.pid} exited during start-up${log}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
  const log = options.logFile ? ` (see ${options.logFile})` : '';
  throw new ServiceError(service, `not ready after ${Math.round(options.timeoutMs / 1000)} s${log}`);
}

/**
 * SIGTERM, then SIGKILL if the process is still there after `graceMs` — only when it is the
 * service `identity` describes: any other process is left alone ('not-ours').
 */
export async function stopProcess(
  pid: number,
  graceMs: number,
  identity: ProcessIdentity,
): Promise<'stopped' | 'killed' | 'not-running' | 'not-ours'> {
  if (!isAlive(pid)) return 'not-running';
  if (!isOurProcess(pid, identity)) return 'not-ours';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!isOurProcess(pid, identity)) return 'stopped';
  process.kill(pid, 'SIGKILL');
  return 'killed';
}

/** What `services down` says about a pid file naming a process that is not the service. */
export function notOurs(service: string, pid: number, recordFile: string): string {
  const command = processInfo(pid)?.argv.join(' ').slice(0, 80) ?? 'unknown';
  return `${service}: pid ${pid} from ${recordFile} is not the ${service} this checkout started (it runs \`${command}\`); left alone, stale pid file removed`;
}

/** Runs a command to completion, resolving with its exit code and output. */
export function run(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

export async function commandExists(command: string): Promise<boolean> {
  try {
    return (await run('sh', ['-c', `command -v ${command}`], process.cwd())).code === 0;
  } catch {
    return false;
  }
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function machine(): Record<string, unknown> {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** Prints rows as an aligned text table. */
export function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]);
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ');
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function writeResult(name: string, result: unknown): string {
  const dir = path.join(__dirname, '..', '..', 'bench', 'results');
  const resolved = fs.existsSync(path.join(process.cwd(), 'bench'))
    ? path.join(process.cwd(), 'bench', 'results')
    : dir;
  fs.mkdirSync(resolved, { recursive: true });
  const file = path.join(resolved, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

/** Requests per second with `concurrency` loops sharing `total` calls. */
export async function throughput(
  concurrency: number,
  total: number,
  run: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await run(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

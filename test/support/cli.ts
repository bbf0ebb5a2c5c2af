import { spawn } from 'node:child_process';

/** Runs the built `quarry` command as a user would, with extra environment. */
export function quarry(
  args: string[],
  env: Record<string, string>,
  options: { closeOutput?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/quarry.js', ...args], { env: { ...process.env, ...env } });
    // A reader that stops at once (`quarry search ... | head -0`): every write meets a closed pipe.
    if (options.closeOutput) child.stdout.destroy();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

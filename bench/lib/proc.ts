/**
 * CPU and memory readings for the bench process and for processes it did not start itself (the broker's JVM, the
 * simulator child), so that each figure can say whose CPU it counts.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports utime/stime in clock ticks; 100 per second on every kernel config we run on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a process has used; null when it is gone or this is not Linux. */
export function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined || pid <= 0) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: fields are counted from the closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU seconds of this process, all threads (the libuv pool included, where kafkajs gzips and undici decrypts). */
export function selfCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * Child processes of `parentPid` whose command is `comm`. The local broker is started through `setpriv`, which
 * execs java in place, so the JVM is a direct child of the process that called startLocalBroker.
 */
export function childPids(parentPid: number, comm: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (name === comm && ppid === parentPid) found.push(Number(entry));
    } catch {
      // The process ended between readdir and read.
    }
  }
  return found;
}

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
  /** Buffers and typed arrays outside the V8 heap (kafkajs and undici hold some). */
  externalBytes: number;
  arrayBuffersBytes: number;
}

type GcFunction = () => void;

function gcFunction(): GcFunction {
  const candidate: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof candidate !== 'function') {
    throw new Error('memory figures need a full GC: run this process with node --expose-gc');
  }
  return candidate as GcFunction;
}

/**
 * Memory after full collections. Several rounds, with a pause between them, because one GC leaves objects that
 * only become garbage once weak callbacks and finalizers (undici, kafkajs sockets) have run.
 */
export async function settledMemory(rounds = 3): Promise<MemorySample> {
  const gc = gcFunction();
  for (let round = 0; round < rounds; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  gc();
  const usage = process.memoryUsage();
  return {
    rssBytes: usage.rss,
    heapUsedBytes: usage.heapUsed,
    externalBytes: usage.external,
    arrayBuffersBytes: usage.arrayBuffers,
  };
}

export function hasExposedGc(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function';
}

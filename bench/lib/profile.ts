/**
 * CPU profiles through the inspector (in-process, so only the worker's thread is sampled: the simulator and the
 * broker are other processes, and gzip/TLS work on libuv's pool threads does not appear either).
 */
import { writeFileSync } from 'node:fs';
import { Session, type Profiler } from 'node:inspector';
import { relative } from 'node:path';

export interface ProfileEntry {
  functionName: string;
  location: string;
  selfMs: number;
  /** Share of the busy (non-idle) samples. */
  selfShare: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  garbageCollectorMs: number;
  top: ProfileEntry[];
  /** Self time by package or source folder: src/state, node_modules/kafkajs, node: internals, ... */
  byArea: Array<{ area: string; selfMs: number; selfShare: number }>;
}

export class CpuProfiler {
  private readonly session = new Session();
  private failure: Error | undefined;

  /**
   * Synchronous on purpose: an in-process inspector session dispatches each message at once, so profiling has
   * begun when this returns, and it can be called from a hook that must not yield to the event loop.
   */
  startNow(samplingIntervalUs = 500): void {
    this.session.connect();
    const remember = (error: Error | null): void => {
      if (error !== null) this.failure ??= error;
    };
    this.session.post('Profiler.enable', remember);
    this.session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs }, remember);
    this.session.post('Profiler.start', remember);
  }

  stop(file: string, root: string): Promise<ProfileSummary> {
    return new Promise((resolve, reject) => {
      this.session.post('Profiler.stop', (error, result) => {
        this.session.disconnect();
        const failure = error ?? this.failure;
        if (failure !== null && failure !== undefined) {
          reject(failure);
          return;
        }
        writeFileSync(file, JSON.stringify(result.profile));
        resolve(summarise(result.profile, file, root));
      });
    });
  }
}

export function summarise(profile: Profiler.Profile, file: string, root: string, topCount = 15): ProfileSummary {
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // A sample's time is the delta to the next one: the time the sampled frame kept running.
  for (let i = 0; i < samples.length; i++) {
    const node = samples[i] ?? 0;
    selfUs.set(node, (selfUs.get(node) ?? 0) + (deltas[i + 1] ?? 0));
  }
  const byFunction = new Map<string, { functionName: string; location: string; us: number }>();
  const byArea = new Map<string, number>();
  let busyUs = 0;
  let gcUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busyUs += us;
    if (functionName === '(garbage collector)') gcUs += us;
    const location = url === '' ? '' : `${shortPath(url, root)}:${lineNumber + 1}`;
    const key = `${functionName}@${location}`;
    const entry = byFunction.get(key) ?? {
      functionName: functionName === '' ? '(anonymous)' : functionName,
      location,
      us: 0,
    };
    entry.us += us;
    byFunction.set(key, entry);
    const area = areaOf(url, functionName, root);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const toMs = (us: number): number => Math.round(us / 100) / 10;
  const share = (us: number): number => Math.round((1000 * us) / Math.max(1, busyUs)) / 10;
  return {
    file: shortPath(file, root),
    wallMs: toMs(profile.endTime - profile.startTime),
    busyMs: toMs(busyUs),
    garbageCollectorMs: toMs(gcUs),
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topCount)
      .map((entry) => ({
        functionName: entry.functionName,
        location: entry.location,
        selfMs: toMs(entry.us),
        selfShare: share(entry.us),
      })),
    byArea: [...byArea.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, selfMs: toMs(us), selfShare: share(us) })),
  };
}

function shortPath(url: string, root: string): string {
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return path.startsWith(root) ? relative(root, path) : path;
}

function areaOf(url: string, functionName: string, root: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const path = shortPath(url, root);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg !== null) return `node_modules/${pkg[1]}`;
  const folder = /^(src\/[^/]+|bench|scripts)/.exec(path);
  return folder?.[1] ?? path;
}

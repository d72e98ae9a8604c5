import { execFileSync } from 'node:child_process';

/**
 * The pid of the process listening on a broker's port on this machine, so that the broker's CPU per run can be
 * read from /proc; undefined when it is elsewhere, not ours to see, or `ss` is missing.
 */
export function brokerPidOf(broker: string): number | undefined {
  const port = broker.split(':').at(-1);
  if (port === undefined || !/^\d+$/.test(port)) return undefined;
  try {
    const listing = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const pid = /pid=(\d+)/.exec(listing)?.[1];
    return pid === undefined ? undefined : Number(pid);
  } catch {
    // No ss, or no permission: the figure is left out, as kafka-ceiling.ts does without a broker pid.
    return undefined;
  }
}

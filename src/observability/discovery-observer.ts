import type { DiscoveryObserver } from '../discovery/index.js';
import type { StageTelemetry } from './pipeline-observers.js';

/**
 * Discovery's reports as metrics and readiness. `onWatchedChanged` runs whenever the watched set may have changed
 * (a round written, records read back), for what depends on its size, such as the presence budget share.
 */
export function discoveryObserver(
  { metrics, health }: StageTelemetry,
  onWatchedChanged: () => void,
): DiscoveryObserver {
  return {
    onRound: ({ tenantRound, durationMs, watched }) => {
      metrics.discoveryRounds.inc({ outcome: tenantRound ?? 'full' });
      metrics.discoveryRoundDuration.set(durationMs / 1000);
      metrics.discoveryWatchedUsers.set(watched);
      health.recordDiscovery(undefined);
      onWatchedChanged();
    },
    onRoundFailed: ({ error }) => {
      metrics.discoveryRounds.inc({ outcome: 'failed' });
      health.recordDiscovery(error.message);
    },
    onFollowed: ({ watched }) => {
      metrics.discoveryWatchedUsers.set(watched);
      onWatchedChanged();
    },
    onLeading: (leading) => {
      metrics.discoveryLeading.set(leading ? 1 : 0);
      if (!leading) health.recordDiscovery(undefined);
    },
  };
}

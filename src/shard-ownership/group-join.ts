import type { ShardConfig } from '../config/index.js';
import type { Logger } from '../observability/index.js';
import type { ShardCoordinator } from './coordinator.js';
import { retryWhileSettling } from './settling.js';
import { compareLayouts, layoutOf, type ShardLayout } from './shard-layout.js';
import type { ShardMembership } from './shard-membership.js';
import type { ShardSupervisor } from './shard-supervisor.js';

export interface GroupJoinOptions {
  coordinator: ShardCoordinator;
  supervisor: ShardSupervisor;
  shards: readonly ShardConfig[];
  logger: Logger;
  signal: AbortSignal;
}

/**
 * Dynamic assignment: records this start's shard layout (warning when it changed since the last start), then
 * joins the worker group, whose rebalances tell the supervisor which shards to own.
 */
export async function joinShardGroup(options: GroupJoinOptions): Promise<ShardMembership> {
  const { coordinator, supervisor, shards, logger, signal } = options;
  const layout = layoutOf(shards);
  const previousLayout = await retryWhileSettling('prepare the coordination topic', logger, signal, async () => {
    await coordinator.ensureTopic(shards.length);
    return coordinator.exchangeLayout(layout);
  });
  warnIfLayoutChanged(previousLayout, layout, logger);
  // Partition i of the coordination topic is the i-th shard by name: every worker derives the same mapping.
  const shardNames = shards.map((shard) => shard.name).sort();
  const group = coordinator.membership({
    shards: shardNames,
    logger,
    onRevoke: () => supervisor.pauseAll(),
    onAssign: (assigned) => {
      supervisor
        .assign(assigned)
        .catch((error: unknown) => logger.error({ err: error }, 'taking the assigned shards failed'));
    },
  });
  await group.start();
  return group;
}

function warnIfLayoutChanged(previous: ShardLayout | undefined, current: ShardLayout, logger: Logger): void {
  if (previous === undefined) return;
  const change = compareLayouts(previous, current);
  if (change.added.length + change.removed.length + change.changed.length === 0) return;
  logger.warn(
    { ...change },
    'the shard list changed since the last start: added shards start with snapshots, removed shards are no longer polled, ' +
      'users that moved to another shard are published again as snapshots there',
  );
}

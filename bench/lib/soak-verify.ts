/**
 * The soak's end check of the output topic, read read_committed from the start: per user, sequence numbers
 * strictly increasing and no event twice; and every sequence number the simulator served in a 200 on the topic,
 * except those served inside a window where a change could legitimately go unobserved (a crash's in-flight cycle
 * whose transaction aborted, after which the user changed again before the next poll).
 */
import { createPresenceEventCodec } from '../../src/events/index.js';
import { benchKafka } from './kafka.js';
import type { ServedSequences } from './simulator-protocol.js';

export interface TimeWindow {
  name: string;
  fromMs: number;
  toMs: number;
}

export interface TopicCheck {
  /** Every partition read up to its last marker; false: the read stopped after a long idle time. */
  readToEnd: boolean;
  events: number;
  users: number;
  /** The same (user, sequence number) published more than once. */
  duplicates: number;
  /** The same event id more than once. */
  duplicateEventIds: number;
  /** A user's sequence number not above the one before it in the topic. */
  notIncreasing: number;
  servedSequences: number;
  /** Served in a 200 and on the topic. */
  servedPublished: number;
  /** Served, not on the topic, a later one of the user on it, first served inside a named window. */
  missedInWindow: Record<string, number>;
  /** Served, not on the topic, first served outside every window: a real gap. */
  missedOutsideWindows: number;
  /** A user's last served sequence number not on the topic: nothing superseded it, so it is lost. */
  lastServedMissing: number;
  /** On the topic but never served (null sequence numbers excluded). */
  publishedNotServed: number;
  /** Up to 10 examples of each failure, for the report. */
  examples: string[];
}

interface Published {
  sequences: string[];
}

/** Partition -> high watermark: on a transactional topic the last offset is a commit or abort marker. */
async function highWatermarks(brokers: string[], topic: string): Promise<Map<number, number>> {
  const admin = benchKafka(brokers, 'soak-verify-admin').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((entry) => [entry.partition, Number(entry.high)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads the whole topic read_committed. Done when every partition's data reached the record before its last
 * marker and nothing came for a few seconds, or (a partition whose last transaction was aborted never gets
 * there) when nothing came for `idleMs`.
 */
async function readTopic(
  brokers: string[],
  topic: string,
  idleMs: number,
): Promise<{ byUser: Map<string, Published>; duplicateEventIds: number; complete: boolean }> {
  const codec = createPresenceEventCodec();
  const highs = await highWatermarks(brokers, topic);
  const seen = new Map<number, number>();
  const consumer = benchKafka(brokers, 'soak-verify').consumer({
    groupId: `soak-verify-${Date.now()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 250,
  });
  const byUser = new Map<string, Published>();
  const eventIds = new Set<string>();
  let duplicateEventIds = 0;
  let lastMessageAt = Date.now();
  const reachedEnd = (): boolean =>
    [...highs].every(([partition, high]) => high === 0 || (seen.get(partition) ?? -1) >= high - 2);
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          seen.set(batch.partition, Math.max(seen.get(batch.partition) ?? -1, Number(message.offset)));
          if (message.value === null) continue;
          const event = codec.decode(message.value);
          const entry = byUser.get(event.userId) ?? { sequences: [] };
          byUser.set(event.userId, entry);
          entry.sequences.push(event.sequenceNumber ?? '');
          if (eventIds.has(event.eventId)) duplicateEventIds++;
          eventIds.add(event.eventId);
        }
        lastMessageAt = Date.now();
      },
    });
    for (;;) {
      const idle = Date.now() - lastMessageAt;
      if ((reachedEnd() && idle > 3_000) || idle > idleMs) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await consumer.disconnect();
  }
  return { byUser, duplicateEventIds, complete: reachedEnd() };
}

function windowOf(windows: readonly TimeWindow[], atMs: number): string | undefined {
  return windows.find((window) => atMs >= window.fromMs && atMs <= window.toMs)?.name;
}

export async function checkTopic(input: {
  brokers: string[];
  topic: string;
  served: ServedSequences;
  windows: readonly TimeWindow[];
}): Promise<TopicCheck> {
  const { byUser: published, duplicateEventIds, complete } = await readTopic(input.brokers, input.topic, 30_000);
  const check: TopicCheck = {
    readToEnd: complete,
    events: 0,
    users: published.size,
    duplicates: 0,
    duplicateEventIds,
    notIncreasing: 0,
    servedSequences: 0,
    servedPublished: 0,
    missedInWindow: {},
    missedOutsideWindows: 0,
    lastServedMissing: 0,
    publishedNotServed: 0,
    examples: [],
  };
  const example = (text: string): void => {
    if (check.examples.length < 10) check.examples.push(text);
  };
  for (const [userId, { sequences }] of published) {
    check.events += sequences.length;
    const seen = new Set<string>();
    sequences.forEach((sequence, index) => {
      if (seen.has(sequence)) {
        check.duplicates++;
        example(`duplicate ${userId} ${sequence}`);
      }
      seen.add(sequence);
      const before = sequences[index - 1];
      if (before !== undefined && !(sequence > before)) {
        check.notIncreasing++;
        example(`not increasing ${userId} ${before} -> ${sequence}`);
      }
    });
    const served = new Set((input.served[userId] ?? []).map((entry) => entry.sequenceNumber));
    for (const sequence of seen) {
      if (sequence !== '' && !served.has(sequence)) {
        check.publishedNotServed++;
        example(`published, never served ${userId} ${sequence}`);
      }
    }
  }
  for (const [userId, servedList] of Object.entries(input.served)) {
    const onTopic = new Set(published.get(userId)?.sequences ?? []);
    servedList.forEach((entry, index) => {
      check.servedSequences++;
      if (onTopic.has(entry.sequenceNumber)) {
        check.servedPublished++;
        return;
      }
      const window = windowOf(input.windows, entry.firstServedAtMs);
      if (index === servedList.length - 1) {
        check.lastServedMissing++;
        example(`last served missing ${userId} ${entry.sequenceNumber} (window ${window ?? 'none'})`);
      } else if (window !== undefined) {
        check.missedInWindow[window] = (check.missedInWindow[window] ?? 0) + 1;
      } else {
        check.missedOutsideWindows++;
        example(`gap ${userId} ${entry.sequenceNumber} served ${new Date(entry.firstServedAtMs).toISOString()}`);
      }
    });
  }
  return check;
}

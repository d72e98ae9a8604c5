/**
 * The consumer-facing topics beside the change log, in the `kafka` section: the table of current presence and
 * the per-shard freshness watermarks. Both are on by default: they cost one record per change and one per cycle.
 */
import { z } from 'zod';
import { checkTopic } from './formats.js';
import { formatted, int, setting } from './schema-common.js';

export const kafkaTableSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .meta(
        setting({
          description:
            'Write the compacted table topic: key = user id, value = the event that set the current presence, a tombstone when the user left the watched set.',
        }),
      ),
    topic: formatted(checkTopic)
      .optional()
      .meta(
        setting({
          description: 'Compacted topic of the current presence per user, created at start if missing.',
          defaultText: 'kafka.topic with a final ".changes" replaced by ".current" (else ".current" appended)',
        }),
      ),
    partitions: int(1, 100_000)
      .optional()
      .meta(
        setting({
          description: 'Partitions when the connector creates the table topic.',
          defaultText: 'kafka.partitions',
        }),
      ),
  })
  .prefault({})
  .meta(setting({ description: 'The table of current presence (stream-table duality of the change topic).' }));

export const kafkaWatermarkSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .meta(
        setting({
          description:
            'After every complete cycle of a shard, write a watermark record saying every user of the shard was confirmed current as of the cycle start.',
        }),
      ),
    topic: formatted(checkTopic)
      .optional()
      .meta(
        setting({
          description: 'Compacted topic of the watermarks (key = shard name), created at start if missing.',
          defaultText: 'kafka.topic with a final ".changes" replaced by ".watermarks" (else ".watermarks" appended)',
        }),
      ),
  })
  .prefault({})
  .meta(setting({ description: 'Freshness watermarks, one record per shard and complete cycle.' }));

/**
 * The table and watermark topic names derived from the change topic's: connectors with different change topics
 * never share them (connectors that share a change topic would share these too, and their shard names clash).
 */
export function derivedTopic(changeTopic: string, suffix: 'current' | 'watermarks'): string {
  const base = changeTopic.endsWith('.changes') ? changeTopic.slice(0, -'.changes'.length) : changeTopic;
  return `${base}.${suffix}`;
}

interface TopicNames {
  topic: string;
  table: { enabled: boolean; topic?: string | undefined };
  watermarks: { enabled: boolean; topic?: string | undefined };
  stateTopic?: string | undefined;
}

/** The topics the kafka section names, each with its path in the section and whether it was written out. */
function kafkaTopics(kafka: TopicNames): Array<{ path: string[]; name: string; explicit: boolean }> {
  const named = [{ path: ['topic'], name: kafka.topic, explicit: true }];
  if (kafka.table.enabled)
    named.push({
      path: ['table', 'topic'],
      name: kafka.table.topic ?? derivedTopic(kafka.topic, 'current'),
      explicit: kafka.table.topic !== undefined,
    });
  if (kafka.watermarks.enabled)
    named.push({
      path: ['watermarks', 'topic'],
      name: kafka.watermarks.topic ?? derivedTopic(kafka.topic, 'watermarks'),
      explicit: kafka.watermarks.topic !== undefined,
    });
  return named;
}

/**
 * Two outputs on one topic would mix records of different schemas and keys (a table consumer would read change
 * events as rows): each enabled output needs its own topic. The state topic's default carries the connector
 * name, so only an explicit one can clash.
 */
export function topicClashes(kafka: TopicNames): Array<{ path: string[]; message: string }> {
  const named = kafkaTopics(kafka);
  if (kafka.stateTopic !== undefined) named.push({ path: ['stateTopic'], name: kafka.stateTopic, explicit: true });
  const clashes: Array<{ path: string[]; message: string }> = [];
  named.forEach((entry, index) => {
    const earlier = named.slice(0, index).find((other) => other.name === entry.name);
    if (earlier !== undefined) {
      clashes.push({
        path: entry.path,
        message: `"${entry.name}" is also kafka.${earlier.path.join('.')}: every output needs a topic of its own`,
      });
    }
  });
  return clashes;
}

interface DirectoryTopicNames {
  connectorName: string;
  kafka: TopicNames;
  assignment: { coordinationTopic?: string | undefined };
  /** discovery.topic as written (undefined: the default) and as resolved. */
  directory: { topic: string | undefined; resolved: string };
}

/**
 * The directory topic (discovery) joins the same rule, checked against every other topic the connector uses,
 * defaults included: the change, table, watermark and state topics, and the shard coordination topic. A clash is
 * reported at discovery.topic when it is written out, else at the other setting (the one that was).
 */
export function directoryTopicClashes(names: DirectoryTopicNames): Array<{ path: string[]; message: string }> {
  const { connectorName, kafka, assignment, directory } = names;
  const others = [
    ...kafkaTopics(kafka).map((entry) => ({ ...entry, path: ['kafka', ...entry.path] })),
    {
      path: ['kafka', 'stateTopic'],
      name: kafka.stateTopic ?? `${connectorName}.presence-state`,
      explicit: kafka.stateTopic !== undefined,
    },
    {
      path: ['assignment', 'coordinationTopic'],
      name: assignment.coordinationTopic ?? `${connectorName}.shards`,
      explicit: assignment.coordinationTopic !== undefined,
    },
  ];
  const ownTopic = 'every output needs a topic of its own';
  return others
    .filter((other) => other.name === directory.resolved)
    .map((other) =>
      directory.topic !== undefined || !other.explicit
        ? {
            path: ['discovery', 'topic'],
            message: `"${directory.resolved}" is also ${other.path.join('.')}${other.explicit ? '' : ' (its default)'}: ${ownTopic}`,
          }
        : {
            path: other.path,
            message: `"${other.name}" is also discovery.topic (its default, <connectorName>.directory): ${ownTopic}`,
          },
    );
}

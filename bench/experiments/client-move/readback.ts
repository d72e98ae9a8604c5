/**
 * Reads a trap's topic back with plain kafkajs and read_committed isolation, as any downstream consumer would: an
 * independent reader, so a client cannot vouch for its own writes.
 */
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** Keys of every committed record, in the order read; resolves once the topic was idle for `idleMs`. */
export async function committedKeys(
  kafka: Kafka,
  topic: string,
  idleMs = 3_000,
  timeoutMs = 60_000,
): Promise<string[]> {
  const consumer = kafka.consumer({
    groupId: `client-move-read-${randomBytes(4).toString('hex')}`,
    readUncommitted: false,
    maxWaitTimeInMs: 250,
  });
  const keys: string[] = [];
  let idle: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  await consumer.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      const armIdle = (): void => {
        clearTimeout(idle);
        idle = setTimeout(resolve, idleMs);
      };
      deadline = setTimeout(() => reject(new Error(`reading ${topic} took over ${timeoutMs} ms`)), timeoutMs);
      consumer.on(consumer.events.GROUP_JOIN, armIdle);
      consumer
        .subscribe({ topics: [topic], fromBeginning: true })
        .then(() =>
          consumer.run({
            eachMessage: async ({ message }) => {
              keys.push(message.key?.toString('utf8') ?? '');
              armIdle();
            },
          }),
        )
        .catch(reject);
    });
    return keys;
  } finally {
    clearTimeout(idle);
    clearTimeout(deadline);
    await consumer.disconnect();
  }
}

import type { Logger } from 'pino';

/**
 * Disconnects a producer the publisher has given up on. Its failure is logged at debug and not thrown: the
 * producer is already being replaced because of an earlier error, which is the one that matters and the one the
 * caller goes on to handle.
 */
export async function discardProducer(
  producer: { disconnect(): Promise<void> } | undefined,
  logger: Logger,
): Promise<void> {
  await producer?.disconnect().catch((error: unknown) => {
    logger.debug({ err: error }, 'disconnecting a discarded producer failed');
  });
}

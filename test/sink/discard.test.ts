import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { discardProducer } from '../../src/sink/discard.js';

describe('discardProducer', () => {
  it('disconnects the producer, and does nothing without one', async () => {
    let disconnected = 0;
    await discardProducer({ disconnect: async () => void disconnected++ }, pino({ level: 'silent' }));
    await discardProducer(undefined, pino({ level: 'silent' }));
    expect(disconnected).toBe(1);
  });

  it('logs a failed disconnect at debug instead of throwing over the error that caused the discard', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    await discardProducer(
      {
        disconnect: async () => {
          throw new Error('socket already closed');
        },
      },
      logger,
    );
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 20, err: { message: 'socket already closed' } });
  });
});

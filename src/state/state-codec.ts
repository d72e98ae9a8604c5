import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import type { UserPresenceState } from './dedup.js';

const STATE_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/presence-state.avsc', import.meta.url));

/**
 * The id part of a shard's table marker, `<shard>/!table`: present while the table topic holds every user of the
 * shard (written with the watermark of the first complete cycle that re-published them all). Never a user id:
 * those are GUIDs.
 */
export const TABLE_MARKER_ID = '!table';

/** The marker's value; any non-null value means present (a tombstone removes it). */
export const TABLE_MARKER_VALUE = Buffer.from('complete');

/** Encodes the dedup state records of the state topic: key `<shard>/<userId>`, value Avro PresenceState. */
export interface StateCodec {
  key(shard: string, userId: string): string;
  /** Splits a state key; undefined for a key this connector did not write. */
  parseKey(key: string): { shard: string; userId: string } | undefined;
  encode(state: UserPresenceState): Buffer;
  decode(value: Buffer): UserPresenceState;
}

export function createStateCodec(schemaPath: string = STATE_SCHEMA_PATH): StateCodec {
  const type = avro.Type.forSchema(JSON.parse(readFileSync(schemaPath, 'utf8')) as avro.Schema);
  return {
    key: (shard, userId) => `${shard}/${userId}`,
    parseKey(key) {
      const slash = key.indexOf('/');
      if (slash <= 0 || slash === key.length - 1) return undefined;
      return { shard: key.slice(0, slash), userId: key.slice(slash + 1) };
    },
    encode: (state) => type.toBuffer(state),
    decode: (value) => type.fromBuffer(value) as UserPresenceState,
  };
}

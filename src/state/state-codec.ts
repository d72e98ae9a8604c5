import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import type { UserPresenceState } from './dedup.js';
import { readPresenceState } from './state-reader.js';

const STATE_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/presence-state.avsc', import.meta.url));

/**
 * Ids after `<shard>/` that start with this are the connector's own records, never users (user ids are GUIDs):
 * a version that meets one it does not know leaves it alone.
 */
export const RESERVED_ID_PREFIX = '!';

/**
 * The id part of a shard's table marker, `<shard>/!table`, written when the shard is taken over with the table
 * on: every state record of the shard after it was written with its table record. Its value is the table
 * topic's name, so a marker for another table (the topic renamed) does not count.
 */
export const TABLE_MARKER_ID = `${RESERVED_ID_PREFIX}table`;

/** Encodes the dedup state records of the state topic: key `<shard>/<userId>`, value Avro PresenceState. */
export interface StateCodec {
  key(shard: string, userId: string): string;
  /** Splits a state key; undefined for a key this connector did not write. */
  parseKey(key: string): { shard: string; userId: string } | undefined;
  encode(state: UserPresenceState): Buffer;
  decode(value: Buffer): UserPresenceState;
  /**
   * Decodes into `target` and returns it: the restore reads a million records in a row and copies each into the
   * store's columns at once, so one object serves them all instead of one per record. Throws as decode does.
   */
  decodeInto(value: Buffer, target: UserPresenceState): UserPresenceState;
}

export function createStateCodec(schemaPath: string = STATE_SCHEMA_PATH): StateCodec {
  const type = parseSchema(schemaPath);
  const decode = (value: Buffer): UserPresenceState => type.fromBuffer(value) as UserPresenceState;
  // The hand-written reader knows one layout only: the shipped schema's (canonical form, docs aside).
  const shipped = schemaPath === STATE_SCHEMA_PATH || type.equals(parseSchema(STATE_SCHEMA_PATH));
  return {
    key: (shard, userId) => `${shard}/${userId}`,
    parseKey(key) {
      const slash = key.indexOf('/');
      if (slash <= 0 || slash === key.length - 1) return undefined;
      return { shard: key.slice(0, slash), userId: key.slice(slash + 1) };
    },
    encode: (state) => type.toBuffer(state),
    decode,
    decodeInto: shipped ? readPresenceState : (value, target) => Object.assign(target, decode(value)),
  };
}

function parseSchema(path: string): avro.Type {
  return avro.Type.forSchema(JSON.parse(readFileSync(path, 'utf8')) as avro.Schema);
}

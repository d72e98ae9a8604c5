import type { UserPresenceState } from './dedup.js';

/**
 * A user whose state record a shard holds but who is no longer that shard's to poll, found when the shard is
 * taken over. `removed`: the user is in no shard of the config any more (REMOVED event, table and state
 * tombstones). Otherwise the user moved to another shard: only the old state record goes, because the new
 * shard's owner publishes the user's presence there (a SNAPSHOT), and a table tombstone would race with it.
 */
export interface Departure {
  userId: string;
  /** The shard named in the state record's key: the shard whose poll last published the user. */
  stateShard: string;
  last: UserPresenceState;
  removed: boolean;
}

/** What restoring a shard taken over found, for the pipeline to act on before the shard is polled. */
export interface ShardRestored {
  shard: string;
  /** The users this shard retires. */
  departures: Departure[];
  /** Shards the config no longer has that this shard retires: their table marker and watermark go too. */
  goneShards: string[];
  /** The shard's table marker is present: the table topic holds all of its users. */
  tableComplete: boolean;
}

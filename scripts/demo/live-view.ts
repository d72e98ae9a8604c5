/**
 * The demo's view of the topic: every CHANGE (and REMOVED) as one line that fits the screen, the user shown by the
 * id's first characters and the simulator's name for them; the first poll's SNAPSHOTs are counted, not listed.
 */
import { formatEventLine, formatUndecodable, type RecordDecoder } from '../../src/cli/index.js';
import type { TopicRecord } from '../../src/kafka/index.js';

const SNAPSHOT_QUIET_MS = 1_500;

export interface LiveViewOptions {
  decoder: RecordDecoder;
  /** A progress line of the demo's own. */
  say: (message: string) => void;
  /** One line of the view (stdout). */
  print: (line: string) => void;
  /** A record the view cannot show, said as it is (stderr). */
  warn: (line: string) => void;
  /** Width the lines must fit. */
  columns: () => number;
  /** The user's name, '' when unknown; without it the view has no name column. */
  displayName?: (userId: string) => string;
}

export interface LiveView {
  onRecord(record: TopicRecord): void;
  /** CHANGE and REMOVED events shown so far. */
  changes(): number;
  /** Resolves once every record given so far has been shown (for tests). */
  settled(): Promise<void>;
}

export function liveView(options: LiveViewOptions): LiveView {
  const { decoder, say } = options;
  let snapshots = 0;
  let reported = 0;
  let changes = 0;
  let framingShown = false;
  let quiet: NodeJS.Timeout | undefined;
  // Decoding may wait for the registry (a schema id seen first): lines are chained to keep the topic's order.
  let shown: Promise<void> = Promise.resolve();
  const reportSnapshots = (): void => {
    if (snapshots === reported) return;
    say(
      `${(snapshots - reported).toLocaleString('en-US')} SNAPSHOT events (first observation of each user) published; counted, not listed`,
    );
    reported = snapshots;
  };
  const show = async (record: TopicRecord): Promise<void> => {
    const decoded = await decoder.decode(record);
    if (!decoded.ok) {
      options.warn(formatUndecodable(record, decoded.reason));
      return;
    }
    if (!framingShown) {
      framingShown = true;
      const { value } = decoded;
      say(
        value.format === 'confluent'
          ? `event values are Confluent-framed Avro carrying the registered schema id ${value.schemaId}`
          : 'event values are plain Avro (no schema registry; npm run demo -- --registry adds one)',
      );
    }
    if (decoded.event.kind === 'SNAPSHOT') {
      snapshots += 1;
      clearTimeout(quiet);
      quiet = setTimeout(reportSnapshots, SNAPSHOT_QUIET_MS).unref();
      return;
    }
    reportSnapshots();
    if (changes === 0) {
      say(
        `each line: time (UTC), user id${options.displayName === undefined ? '' : ' and name'}, shard, kind, availability/activity`,
      );
    }
    changes += 1;
    const { event } = decoded;
    const displayName = options.displayName?.(event.userId);
    options.print(
      formatEventLine(event, {
        columns: options.columns(),
        ...(displayName === undefined ? {} : { displayName }),
      }),
    );
  };
  return {
    onRecord: (record) => {
      // show() reports what it cannot decode itself; a failure here is a bug in the view, said once per record.
      shown = shown
        .then(() => show(record))
        .catch((error: unknown) => {
          options.warn(`live view failed on a record: ${String(error)}`);
        });
    },
    changes: () => changes,
    settled: () => shown,
  };
}

/** The demo's view of the topic: every CHANGE as `tail` prints it; the first poll's SNAPSHOTs are counted. */
import { formatEventLine, formatUndecodable, type RecordDecoder } from '../../src/cli/index.js';
import type { TopicRecord } from '../../src/kafka/index.js';

const SNAPSHOT_QUIET_MS = 1_500;

export function liveView(decoder: RecordDecoder, say: (message: string) => void): (record: TopicRecord) => void {
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
      process.stderr.write(`${formatUndecodable(record, decoded.reason)}\n`);
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
    if (changes === 0) say('first presence change; more follow as simulated users change');
    changes += 1;
    process.stdout.write(`${formatEventLine(decoded.event)}\n`);
  };
  return (record) => {
    // show() reports what it cannot decode itself; a failure here is a bug in the view, said once per record.
    shown = shown
      .then(() => show(record))
      .catch((error: unknown) => {
        process.stderr.write(`live view failed on a record: ${String(error)}\n`);
      });
  };
}

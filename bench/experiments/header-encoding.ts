/**
 * No broker: the CPU kafkajs 2.2.4 spends encoding the connector's records (protocol/recordBatch/record/v0, the
 * per-record step of every produce request, headers included), per kafka.headers mode, with the header values
 * handed over as strings (as before) and as Buffers (constant values shared, per-event ones encoded once), and
 * with the connector's exact-size replacement of that step (src/kafka/kafkajs-patches.ts).
 * Variants interleaved, order rotated per repetition.
 *
 *   npx tsx bench/experiments/header-encoding.ts [--events 39000] [--repetitions 5]
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { createRecordEncoder } from '../../src/kafka/kafkajs-patches.js';
import { selfCpuSeconds } from '../lib/proc.js';
import { benchHeaderBuilder, changeEvents, simulatedPresences, type BenchHeaderMode } from '../lib/records.js';
import { median } from '../lib/scenario.js';

type HeaderValue = string | Buffer;
type RecordEncoder = (record: {
  key: Buffer | string;
  value: Buffer;
  headers?: Record<string, HeaderValue>;
  offsetDelta?: number;
  timestampDelta?: number;
}) => { buffer: Buffer };

const require = createRequire(import.meta.url);
/** kafkajs's own file, loaded apart from the require cache, where importing kafkajs-patches.ts put the replacement. */
function shippedEncoder(): RecordEncoder {
  const filename = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js');
  const cached = require.cache[filename];
  Reflect.deleteProperty(require.cache, filename);
  try {
    return require(filename) as RecordEncoder;
  } finally {
    if (cached !== undefined) require.cache[filename] = cached;
  }
}
const shipped = shippedEncoder();
type EncoderClass = Parameters<typeof createRecordEncoder>[0];
const exact = createRecordEncoder(
  require('kafkajs/src/protocol/encoder.js') as EncoderClass,
  shipped as unknown as Parameters<typeof createRecordEncoder>[1],
) as unknown as RecordEncoder;

const { values } = parseArgs({
  options: { events: { type: 'string', default: '39000' }, repetitions: { type: 'string', default: '5' } },
});
const count = Number(values.events);
const events = changeEvents(await simulatedPresences(count), Date.now());
const value = Buffer.alloc(244);

/** The same headers with Buffer values: a constant string becomes one shared Buffer, others one Buffer each. */
function asBuffers(headers: Record<string, string> | undefined, shared: Map<string, Buffer>): Record<string, Buffer> {
  const result: Record<string, Buffer> = {};
  for (const [name, text] of Object.entries(headers ?? {})) {
    let bytes = shared.get(text);
    if (bytes === undefined) {
      bytes = Buffer.from(text);
      if (shared.size < 16) shared.set(text, bytes);
    }
    result[name] = bytes;
  }
  return result;
}

const variants: {
  name: string;
  headers: (Record<string, HeaderValue> | undefined)[];
  encode: RecordEncoder;
}[] = [];
for (const mode of ['cloudevents', 'minimal', 'none'] as BenchHeaderMode[]) {
  const build = benchHeaderBuilder(mode);
  const strings = events.map((event) => build(event));
  variants.push({ name: `${mode}, shipped`, headers: strings, encode: shipped });
  if (mode !== 'none') {
    const shared = new Map<string, Buffer>();
    const buffers = strings.map((headers) => asBuffers(headers, shared));
    variants.push({ name: `${mode}, shipped, Buffer values`, headers: buffers, encode: shipped });
  }
  variants.push({ name: `${mode}, exact-size encoder`, headers: strings, encode: exact });
}
const cpu: Record<string, number[]> = {};
for (let repetition = 0; repetition < Number(values.repetitions); repetition++) {
  const order = [...variants.slice(repetition % variants.length), ...variants.slice(0, repetition % variants.length)];
  for (const variant of order) {
    const started = selfCpuSeconds();
    for (let index = 0; index < count; index++) {
      const event = events[index];
      const headers = variant.headers[index];
      variant.encode({ key: event?.userId ?? '', value, offsetDelta: index, ...(headers ? { headers } : {}) });
    }
    (cpu[variant.name] ??= []).push(selfCpuSeconds() - started);
  }
}
for (const variant of variants) {
  const seconds = median(cpu[variant.name] ?? []);
  process.stdout.write(
    `${variant.name.padEnd(40)} ${((seconds / count) * 1e6).toFixed(2)} CPU-µs per record (median of ${values.repetitions})\n`,
  );
}

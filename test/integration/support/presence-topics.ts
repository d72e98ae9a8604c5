/**
 * Readers of the topics beside the change log (the table of current presence, the freshness watermarks and the
 * state topic) for the integration tests, built like the change topic's reader: from the published .avsc files
 * alone, never from the connector's codecs. Also: a config file with another shard layout for the same change
 * topic and connector name (what an operator edits between two starts), an in-process worker from such a file,
 * freezing a worker process (SIGSTOP) while a reader looks, and a Prometheus scrape.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import avro from 'avsc';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/observability/index.js';
import { createWorker, type Worker } from '../../../src/pipeline/index.js';
import { contractReader, type DecodedEvent, type Harness } from '../../support/connector-harness.js';
import { readMessages, waitForTopic, type ReadMessage, type ReadMessagesOptions } from '../../support/kafka.js';

const watermarkSchema = readFileSync(new URL('../../../schemas/presence-watermark.avsc', import.meta.url), 'utf8');
/** The watermark contract, from the .avsc file only. */
export const watermarkReader = avro.Type.forSchema(JSON.parse(watermarkSchema) as avro.Schema);

export interface DecodedWatermark {
  shard: string;
  tenantId: string;
  confirmedAt: number;
  cycleCompletedAt: number;
  usersConfirmed: number;
  usersUnconfirmed: number;
  connector: string;
}

/** One record of a keyed topic; `value` null is a tombstone. */
export interface KeyedRecord<T> {
  key: string;
  partition: number;
  offset: number;
  /** The Kafka record timestamp (CreateTime: set by the producer when it sent the record). */
  timestamp: number;
  value: T | null;
  raw: Buffer | null;
}

export function keyed<T>(message: ReadMessage, decode: (value: Buffer) => T): KeyedRecord<T> {
  if (message.key === null) throw new Error(`${message.topic}@${message.partition}/${message.offset} has no key`);
  return {
    key: message.key.toString('utf8'),
    partition: message.partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    value: message.value === null ? null : decode(message.value),
    raw: message.value,
  };
}

export const decodeEvent = (value: Buffer): DecodedEvent => contractReader.fromBuffer(value) as DecodedEvent;
export const decodeWatermark = (value: Buffer): DecodedWatermark =>
  watermarkReader.fromBuffer(value) as DecodedWatermark;
/** State values are the connector's business: a test only needs to tell a record from a tombstone. */
export const keepBytes = (value: Buffer): Buffer => value;

/** Reads a topic from its beginning (read_committed unless told), waiting for the connector to create it first. */
export async function readKeyed<T>(
  topic: string,
  decode: (value: Buffer) => T,
  options: ReadMessagesOptions = {},
): Promise<Array<KeyedRecord<T>>> {
  await waitForTopic(topic, { timeoutMs: 60_000 });
  const messages = await readMessages(topic, { idleMs: 1_500, timeoutMs: 60_000, ...options });
  return messages.map((message) => keyed(message, decode));
}

/** Records grouped by key, each group in offset order (one key lives in one partition). */
export function groupByKey<T>(records: ReadonlyArray<KeyedRecord<T>>): Map<string, Array<KeyedRecord<T>>> {
  const groups = new Map<string, Array<KeyedRecord<T>>>();
  for (const record of records) groups.set(record.key, [...(groups.get(record.key) ?? []), record]);
  for (const group of groups.values()) group.sort((a, b) => a.offset - b.offset);
  return groups;
}

/** What a compacted topic holds per key once compacted: its last record (a tombstone included). */
export function lastPerKey<T>(records: ReadonlyArray<KeyedRecord<T>>): Map<string, KeyedRecord<T>> {
  return new Map([...groupByKey(records)].map(([key, group]) => [key, group[group.length - 1] as KeyedRecord<T>]));
}

/** The names the connector derives from the change topic's (see docs/configuration.md) and its state topic. */
export function outputTopicsOf(harness: Harness): { table: string; watermarks: string; state: string } {
  const { table, watermarkTopic, stateTopic } = harness.config.kafka;
  if (table === undefined || watermarkTopic === undefined) throw new Error('table or watermarks are off');
  // The documented defaults: the harness's topic does not end in ".changes", so the suffixes are appended.
  if (table.topic !== `${harness.topic}.current` || watermarkTopic !== `${harness.topic}.watermarks`)
    throw new Error(`unexpected derived topics ${table.topic}, ${watermarkTopic}`);
  return { table: table.topic, watermarks: watermarkTopic, state: stateTopic };
}

/**
 * The harness's config file with another shard list: same change topic, connector name (so the same state topic
 * and transactional ids) and tenant. Written beside it, so the harness's dispose removes it.
 */
export function writeShardLayout(
  harness: Harness,
  name: string,
  shards: ReadonlyArray<{ name: string; users: readonly string[] }>,
): string {
  const document = parse(readFileSync(harness.configFile, 'utf8')) as Record<string, unknown>;
  const file = join(dirname(harness.configFile), `${name}.yaml`);
  writeFileSync(file, stringify({ ...document, shards }));
  return file;
}

/** An in-process worker from a config file of the harness's simulator; its log lines are kept. */
export function workerFromFile(
  harness: Harness,
  configFile: string,
): { worker: Worker; logs: Array<Record<string, unknown>> } {
  const config = loadConfig({
    file: configFile,
    env: { PRESENCE_TENANT_CLIENT_SECRET: harness.simulator.clientSecret },
  });
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return {
    worker: createWorker(config, { logger: createLogger({ level: 'info', destination }), random: () => 0 }),
    logs,
  };
}

/**
 * Runs `look` while the worker process is stopped (SIGSTOP): nothing it does can commit in between, so two reads
 * of two topics see the same moment of its output. Continued (SIGCONT) whatever `look` does.
 */
export async function whileFrozen<T>(child: ChildProcess, look: () => Promise<T>): Promise<T> {
  if (!child.kill('SIGSTOP')) throw new Error('could not stop the worker process');
  try {
    return await look();
  } finally {
    child.kill('SIGCONT');
  }
}

/** A TCP port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The samples of one gauge by its `shard` label, scraped from the worker's /metrics. */
export async function scrapeByShard(port: number, metric: string): Promise<Map<string, number>> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${text}`);
  const samples = new Map<string, number>();
  const pattern = new RegExp(`^${metric}\\{shard="([^"]*)"\\} (\\S+)$`, 'gm');
  for (const match of text.matchAll(pattern)) samples.set(match[1] ?? '', Number(match[2]));
  return samples;
}

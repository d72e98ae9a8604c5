/**
 * The Kafka record headers of a presence event: the CloudEvents Kafka protocol binding in binary content mode
 * (https://github.com/cloudevents/spec/blob/main/cloudevents/bindings/kafka-protocol-binding.md): the Avro value
 * is the event `data` as-is, `content-type` declares its media type, every other attribute is a `ce_` header.
 *
 * Built once per event at full churn, so every value that does not depend on the event is made once here, and the
 * one that does not vary within a batch (`ce_time`) is kept from the previous event.
 */
import type { PresenceChangeEvent } from './event.js';

/** The `kafka.headers` setting. */
export const EVENT_HEADER_MODES = ['cloudevents', 'minimal', 'none'] as const;
export type EventHeaderMode = (typeof EVENT_HEADER_MODES)[number];

/**
 * The header names, for consumers of this module. The builders below spell them as literal keys instead: V8 builds
 * a literal-keyed object from a template, about twice as fast as computed keys before the code is optimised.
 */
export const CLOUDEVENTS_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  time: 'ce_time',
  subject: 'ce_subject',
  /** Not `ce_`-prefixed: the binding maps `datacontenttype` to the plain `content-type` header. */
  contentType: 'content-type',
} as const;

export const CLOUDEVENTS_SPEC_VERSION = '1.0';

/**
 * Media type of a raw Avro binary value (no registry framing): the binding's own binary-mode example (section
 * 3.2.5) declares `content-type: application/avro` for Avro data. Confluent names no media type for its framed
 * values: its serializers carry the schema id in the value prefix (or, in newer clients, a `__value_schema_id`
 * header), not in `content-type`. The registry wiring passes its own media type through `contentType`.
 */
export const RAW_AVRO_CONTENT_TYPE = 'application/avro';
/**
 * With a schema registry: still Avro, behind the Confluent wire format's 5-byte prefix. No media type is
 * registered for that; the parameter says so explicitly, so a CloudEvents consumer can tell the two apart.
 */
export const CONFLUENT_AVRO_CONTENT_TYPE = 'application/avro; wire-format=confluent';

/** `ce_type` is this prefix plus the event's kind in lower case: `io.github.presenceconnector.presence.snapshot`. */
export const EVENT_TYPE_PREFIX = 'io.github.presenceconnector.presence.';

/**
 * `ce_source`, a URI-reference: one per connector instance, so that `source` + `id` is unique as CloudEvents
 * requires. connectorName allows only letters, digits, '.', '_' and '-', all unreserved in a URI: no escaping.
 */
export function eventSource(connectorName: string): string {
  return `/connectors/${connectorName}`;
}

export function eventType(kind: string): string {
  return EVENT_TYPE_PREFIX + kind.toLowerCase();
}

export interface EventHeaderOptions {
  mode: EventHeaderMode;
  connectorName: string;
  /** Media type of the value; defaults to raw Avro. */
  contentType?: string;
}

/** Headers for one event, or undefined when the mode sends none (the record then has no header section). */
export type EventHeaderBuilder = (event: PresenceChangeEvent) => Record<string, string> | undefined;

export function createEventHeaderBuilder(options: EventHeaderOptions): EventHeaderBuilder {
  if (options.mode === 'none') return () => undefined;
  // The kinds this connector writes, typed once instead of lowercasing and concatenating per event.
  const types: Record<PresenceChangeEvent['kind'], string> = {
    SNAPSHOT: eventType('SNAPSHOT'),
    CHANGE: eventType('CHANGE'),
    REMOVED: eventType('REMOVED'),
  };
  if (options.mode === 'minimal') {
    return (event) => ({ ce_id: event.eventId, ce_type: types[event.kind] });
  }
  const source = eventSource(options.connectorName);
  const contentType = options.contentType ?? RAW_AVRO_CONTENT_TYPE;
  // All events of a batch share one observedAt: format it once per batch, not once per event.
  let timeOf = Number.NaN;
  let time = '';
  return (event) => {
    if (event.observedAt !== timeOf) {
      time = new Date(event.observedAt).toISOString();
      timeOf = event.observedAt;
    }
    return {
      ce_specversion: CLOUDEVENTS_SPEC_VERSION,
      ce_id: event.eventId,
      ce_source: source,
      ce_type: types[event.kind],
      ce_time: time,
      ce_subject: event.userId,
      'content-type': contentType,
    };
  };
}

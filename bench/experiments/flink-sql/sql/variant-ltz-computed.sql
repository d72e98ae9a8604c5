-- TIMESTAMP(3) read as UTC wall-clock, turned into TIMESTAMP_LTZ(3) by computed columns; session zone Europe/Berlin
SET 'table.local-time-zone' = 'Europe/Berlin';
CREATE TABLE t (
  eventId STRING NOT NULL, kind STRING NOT NULL, userId STRING NOT NULL,
  observedAt TIMESTAMP(3) NOT NULL,
  observedAtCast AS CAST(observedAt AS TIMESTAMP_LTZ(3)),
  observedAtUtc AS TO_TIMESTAMP_LTZ(DATE_FORMAT(observedAt, 'yyyy-MM-dd HH:mm:ss.SSS'), 'yyyy-MM-dd HH:mm:ss.SSS', 'UTC'),
  kafkaTimestamp TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL
) WITH (
  'connector' = 'kafka',
  'topic' = '${TOPIC}',
  'properties.bootstrap.servers' = '${BOOTSTRAP}',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'key.format' = 'raw',
  'key.fields' = 'userId',
  'value.format' = 'avro-confluent',
  'value.avro-confluent.url' = '${REGISTRY}'
);
SELECT eventId, observedAt, observedAtCast, observedAtUtc, kafkaTimestamp FROM t LIMIT 2;

-- TIMESTAMP_LTZ(3) with the avro format's timestamp_mapping option, tried on avro-confluent
CREATE TABLE t (
  eventId STRING NOT NULL, kind STRING NOT NULL, userId STRING NOT NULL, observedAt TIMESTAMP_LTZ(3) NOT NULL
) WITH (
  'connector' = 'kafka',
  'topic' = '${TOPIC}',
  'properties.bootstrap.servers' = '${BOOTSTRAP}',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'key.format' = 'raw',
  'key.fields' = 'userId',
  'value.format' = 'avro-confluent',
  'value.avro-confluent.url' = '${REGISTRY}',
  'value.avro-confluent.timestamp_mapping.legacy' = 'false'
);
SELECT eventId, observedAt FROM t LIMIT 2;

-- observedAt as BIGINT (epoch ms)
CREATE TABLE t (
  eventId STRING NOT NULL, kind STRING NOT NULL, userId STRING NOT NULL, sequenceNumber STRING,
  statusMessage ROW<content STRING>, observedAt BIGINT NOT NULL
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
SELECT COUNT(*) AS events, MIN(observedAt) AS firstSeen, TO_TIMESTAMP_LTZ(MIN(observedAt), 3) AS firstSeenLtz FROM t;

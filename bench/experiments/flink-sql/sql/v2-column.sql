-- after a v2 writer appended graphRequestId (["null","string"], default null): a DDL that has the new column
CREATE TABLE t (
  eventId STRING NOT NULL, kind STRING NOT NULL, userId STRING NOT NULL, observedAt TIMESTAMP(3) NOT NULL,
  graphRequestId STRING
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
SELECT graphRequestId IS NOT NULL AS fromV2, COUNT(*) AS events FROM t GROUP BY graphRequestId IS NOT NULL;

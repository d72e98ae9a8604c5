-- the README DDL's columns without 'properties.isolation.level': Flink's default isolation (aborted events visible?)
CREATE TABLE t (
  eventId STRING NOT NULL, kind STRING NOT NULL, userId STRING NOT NULL, observedAt TIMESTAMP(3) NOT NULL
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
SELECT kind, COUNT(*) AS events FROM t GROUP BY kind;

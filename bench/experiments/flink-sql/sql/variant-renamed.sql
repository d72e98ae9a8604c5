-- a column name that differs in case from the writer (eventid, observed_at)
CREATE TABLE t (
  eventid STRING, kind STRING NOT NULL, userId STRING NOT NULL, observed_at TIMESTAMP(3)
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
SELECT COUNT(*) AS events, COUNT(eventid) AS withEventid, COUNT(observed_at) AS withObservedAt FROM t;

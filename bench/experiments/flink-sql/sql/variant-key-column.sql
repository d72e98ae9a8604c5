-- the key in a column of its own (user_key) and the value without it ('value.fields-include' = 'EXCEPT_KEY')
CREATE TABLE t (
  user_key STRING NOT NULL,
  eventId STRING NOT NULL, kind STRING NOT NULL, userId STRING NOT NULL, observedAt TIMESTAMP(3) NOT NULL,
  kafka_partition INT METADATA FROM 'partition' VIRTUAL,
  kafka_timestamp TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL
) WITH (
  'connector' = 'kafka',
  'topic' = '${TOPIC}',
  'properties.bootstrap.servers' = '${BOOTSTRAP}',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'key.format' = 'raw',
  'key.fields' = 'user_key',
  'value.format' = 'avro-confluent',
  'value.avro-confluent.url' = '${REGISTRY}',
  'value.fields-include' = 'EXCEPT_KEY'
);
SELECT COUNT(*) AS events, COUNT(DISTINCT user_key) AS users, SUM(CASE WHEN user_key = userId THEN 1 ELSE 0 END) AS keyEqualsUserId FROM t;
SELECT user_key, kind, kafka_partition, kafka_timestamp FROM t LIMIT 3;

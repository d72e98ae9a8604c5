-- NOT NULL on a nested record the writer declares nullable (statusMessage)
CREATE TABLE t (
  eventId STRING NOT NULL, kind STRING NOT NULL, userId STRING NOT NULL, sequenceNumber STRING,
  statusMessage ROW<content STRING> NOT NULL, observedAt TIMESTAMP(3) NOT NULL
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
SELECT COUNT(*) AS events, COUNT(sequenceNumber) AS withSeq, COUNT(statusMessage) AS withStatus, MIN(observedAt) AS firstSeen FROM t;
SELECT * FROM t LIMIT 3;

-- columns in another order than the writer (kind last, nested fields reversed)
CREATE TABLE t (
  connector STRING NOT NULL, observedAt TIMESTAMP(3) NOT NULL, eventId STRING NOT NULL, userId STRING NOT NULL,
  statusMessage ROW<expiresTimeZone STRING, expiresAt STRING, publishedAt STRING, contentType STRING, content STRING>,
  outOfOffice ROW<message STRING, isOutOfOffice BOOLEAN NOT NULL>, sequenceNumber STRING, kind STRING NOT NULL
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

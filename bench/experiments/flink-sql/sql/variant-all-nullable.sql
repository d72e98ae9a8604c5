-- no NOT NULL anywhere (reader unions where the writer has plain types)
CREATE TABLE t (
  eventId STRING, kind STRING, userId STRING, sequenceNumber STRING,
  statusMessage ROW<content STRING, contentType STRING, publishedAt STRING, expiresAt STRING, expiresTimeZone STRING>,
  outOfOffice ROW<isOutOfOffice BOOLEAN, message STRING>, observedAt TIMESTAMP(3), previousObservedAt TIMESTAMP(3)
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

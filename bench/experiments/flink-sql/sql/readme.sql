-- The DDL as the README prints it (placeholders replaced by FlinkSqlRunner), then the experiment's queries.
CREATE TABLE presence_changes (
  eventId                STRING NOT NULL,
  kind                   STRING NOT NULL,
  userId                 STRING NOT NULL,
  tenantId               STRING NOT NULL,
  shard                  STRING NOT NULL,
  availability           STRING NOT NULL,
  activity               STRING NOT NULL,
  statusMessage          ROW<content STRING, contentType STRING, publishedAt STRING, expiresAt STRING, expiresTimeZone STRING>,
  outOfOffice            ROW<isOutOfOffice BOOLEAN NOT NULL, message STRING>,
  workLocation           ROW<workLocationType STRING, source STRING, placeId STRING>,
  sequenceNumber         STRING,
  previousAvailability   STRING,
  previousActivity       STRING,
  previousSequenceNumber STRING,
  observedAt             TIMESTAMP(3) NOT NULL,
  previousObservedAt     TIMESTAMP(3),
  connector              STRING NOT NULL
) WITH (
  'connector' = 'kafka',
  'topic' = '${TOPIC}',
  'properties.bootstrap.servers' = '${BOOTSTRAP}',
  'properties.group.id' = 'flink-presence',
  'properties.isolation.level' = 'read_committed',
  'scan.startup.mode' = 'earliest-offset',
  'key.format' = 'raw',
  'key.fields' = 'userId',
  'value.format' = 'avro-confluent',
  'value.avro-confluent.url' = '${REGISTRY}'
);
SELECT kind, COUNT(*) AS events FROM presence_changes /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */ GROUP BY kind;
SELECT * FROM presence_changes /*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */ LIMIT 5;

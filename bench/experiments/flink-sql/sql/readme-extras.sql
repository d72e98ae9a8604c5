-- README extras: an event-time watermark on observedAt, a windowed query, and the registry basic-auth options
-- (Confluent Cloud's form; the local Apicurio has no auth and ignores the header, so this only proves the option
-- names are accepted and the job still reads).
CREATE TABLE presence_changes (
  eventId                STRING NOT NULL,
  kind                   STRING NOT NULL,
  userId                 STRING NOT NULL,
  availability           STRING NOT NULL,
  activity               STRING NOT NULL,
  observedAt             TIMESTAMP(3) NOT NULL,
  WATERMARK FOR observedAt AS observedAt - INTERVAL '5' SECOND
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
  'value.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',
  'value.avro-confluent.basic-auth.user-info' = 'SR_API_KEY:SR_API_SECRET'
);
SELECT window_start, availability, COUNT(*) AS events
FROM TABLE(TUMBLE(TABLE presence_changes, DESCRIPTOR(observedAt), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, availability ORDER BY window_start, availability LIMIT 8;

/** Help text of the commands with flags of their own; main.ts composes the full usage from these. */

export const CHECK_CONFIG_USAGE = `  check-config --config FILE [--online]
      Validate the configuration and print a summary (shards, users, requests per cycle); contacts nothing.
      --config, -c FILE      the connector configuration (PRESENCE_* variables override it, as for run)
      --online               then sign in to Entra ID and resolve the discovery sources against Graph in one full
                             directory round: users per source and per discovered shard, the presence budget for
                             them, the directory requests made and the time taken. Polls no presence, writes
                             nothing to Kafka. Exit 1 when a source cannot be read (a 403 names the permission)
                             or a group does not exist`;

export const TAIL_USAGE = `  tail (--topic T | --config FILE) [--brokers HOST:PORT,...] [--from-beginning] [--json] [--max N] [--schema-registry URL]
      Print the presence events on a topic, decoded, one line per event, until Ctrl-C.
      --topic, -t T          topic to read (default with --config: kafka.topic)
      --brokers, -b LIST     bootstrap brokers (default with --config: kafka.brokers, else localhost:9092)
      --config, -c FILE      take brokers, topic, TLS and SASL from a connector configuration
      --from-beginning       every event still on the topic, not only new ones
      --json                 one JSON object per line: partition, offset and the event's fields
      --max N                stop after N records
      --schema-registry URL  decode Confluent-framed values with writer schemas from this registry (default with
                             --config: schemaRegistry); plain Avro values need none, and a topic may mix both`;

export const SIMULATE_USAGE = `  simulate [--port N] [--users N] [--churn SHARE] [--latency-ms SPEC] [--budget SPEC] [--http] [--ca-out FILE] ...
      Run the Microsoft Graph presence simulator (Entra ID token endpoint + getPresencesByUserId) until Ctrl-C.
      --port N               listen port (default 0: a free port)
      --host HOST            bind address (default 127.0.0.1)
      --users N              simulated users (default 1000, max 5000000)
      --churn SHARE          share of users changing per minute (default 0.03)
      --latency-ms SPEC      added latency: 50 (fixed), 20-80 (uniform) or 50~10 (normal, mean~stddev)
      --budget SPEC          requests per window per app: 1500 (per 30 s) or 1500/30s
      --http                 plain HTTP instead of HTTPS (MSAL then cannot use the authority)
      --ca-out FILE          write the CA certificate (PEM) there (default: a file in the temp directory)
      --write-config DIR     write DIR/connector.yaml (and its users.txt, secret and CA files), ready for
                             \`run\` against this simulator; the certificate and port are kept for the next start
      --brokers LIST         with --write-config: the Kafka brokers the config names (default localhost:9092)
      --seed N               seed for ids, population and churn (default 1)
      --tenant-id GUID, --client-id GUID, --client-secret S
                             credentials the simulator accepts (defaults are printed at start)
      --token-lifetime S     expires_in of issued tokens (default 3599)
      --record-served        record every served presence per user (memory grows)`;

#!/usr/bin/env bash
# Compiles the runner (first time: resolves ~154 MB of Flink jars from Maven Central into ~/.m2) and runs
# Flink SQL scripts on an embedded Flink 2.2 MiniCluster. See README.md beside this file.
#   bench/experiments/flink-sql/run.sh --bootstrap HOST:PORT --registry URL [--topic T] [--mode batch|streaming] sql/readme.sql ...
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -f target/classpath.txt || pom.xml -nt target/classpath.txt || src/main/java/bench/FlinkSqlRunner.java -nt target/classpath.txt ]]; then
  mvn -B -q compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
fi
exec java -Xmx1g ${FLINK_JAVA_OPTS:-} -cp "target/classes:$(cat target/classpath.txt)" bench.FlinkSqlRunner "$@" 2> >(grep -E '] ERROR ' >&2 || true)

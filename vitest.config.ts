import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One Kafka broker for the whole run (env KAFKA_BROKERS, testcontainers, or local jars): see the file.
    globalSetup: ['test/global-setup.ts'],
    // Integration tests wait on group joins, transactions and broker restarts.
    testTimeout: 60_000,
    // beforeAll hooks may start a second broker; a cold JVM on 2 busy cores takes a while.
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // Processes, not threads: a test that starts its own broker owns a JVM child, which must die with its process.
    pool: 'forks',
    poolOptions: {
      forks: {
        // The machine has 2 cores and the broker's JVM runs beside the tests.
        minForks: 1,
        maxForks: 2,
      },
    },
  },
});

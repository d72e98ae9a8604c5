import { defineConfig } from 'vitest/config';

/**
 * Two projects, one run: `npm test` runs both, `npm run test:unit` / `npm run test:integration` one each.
 * - unit: pure logic, the Graph simulator on port 0, fakes of our own interfaces. No Java, no broker, no network
 *   beyond loopback; seconds, in threads.
 * - integration: the real Kafka broker from test/global-setup.ts (env KAFKA_BROKERS, testcontainers, or local jars).
 */
export default defineConfig({
  test: {
    teardownTimeout: 30_000,
    // Integration: processes, not threads: a test that starts its own broker owns a JVM child, which must die with
    // its process. Unit: threads sharing one module graph (a hundred small files start in a fraction of the time a
    // fresh process each takes; unit tests own no child JVM and keep no global state). vitest 3 reads the pools'
    // isolation from here, not from the project. The machine has 2 cores.
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: 2 }, threads: { minThreads: 1, maxThreads: 2, isolate: false } },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
          pool: 'threads',
          isolate: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // One Kafka broker for the whole run (env KAFKA_BROKERS, testcontainers, or local jars): see the file.
          globalSetup: ['test/global-setup.ts'],
          // Integration tests wait on group joins, transactions and broker restarts.
          testTimeout: 60_000,
          // beforeAll hooks may start a second broker; a cold JVM on 2 busy cores takes a while.
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

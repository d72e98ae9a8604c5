import { describe, expect, it } from 'vitest';
import { WorkerHealth } from '../../src/observability/index.js';

/** A worker connected to Kafka, owning `shards`, each of which completed one clean cycle: ready. */
function readyWorker(shards: readonly string[] = ['emea', 'apac']): WorkerHealth {
  const health = new WorkerHealth();
  health.recordSinkConnected();
  health.recordOwnedShards(shards);
  for (const shard of shards) health.recordCycle(shard, true);
  return health;
}

describe('WorkerHealth', () => {
  it('is live but not ready before Kafka connected', () => {
    expect(new WorkerHealth().status()).toEqual({ live: true, ready: false, reasons: ['Kafka not connected yet'] });
  });

  it('is not ready while connected but no shards were assigned yet', () => {
    const health = new WorkerHealth();
    health.recordSinkConnected();
    expect(health.status()).toEqual({
      live: true,
      ready: false,
      reasons: ['no shards assigned yet (state not restored)'],
    });
  });

  it('is ready once connected with an empty assignment', () => {
    const health = new WorkerHealth();
    health.recordSinkConnected();
    health.recordOwnedShards([]);
    expect(health.status()).toEqual({ live: true, ready: true, reasons: [] });
  });

  it('waits for every owned shard to complete a clean cycle', () => {
    const health = new WorkerHealth();
    health.recordSinkConnected();
    health.recordOwnedShards(['emea', 'apac']);
    expect(health.status().reasons).toEqual([
      'shard emea has not completed a clean cycle yet',
      'shard apac has not completed a clean cycle yet',
    ]);
    health.recordCycle('emea', false);
    health.recordCycle('emea', true);
    expect(health.status()).toEqual({
      live: true,
      ready: false,
      reasons: ['shard apac has not completed a clean cycle yet'],
    });
    health.recordCycle('apac', true);
    expect(health.status()).toEqual({ live: true, ready: true, reasons: [] });
  });

  it('ignores cycles of a shard it does not own', () => {
    const health = readyWorker(['emea']);
    for (let i = 0; i < 5; i++) health.recordCycle('apac', false);
    expect(health.status().ready).toBe(true);
  });

  it('becomes unready after 3 failed cycles in a row, and ready again after a clean one', () => {
    const health = readyWorker();
    health.recordCycle('emea', false);
    health.recordCycle('emea', false);
    expect(health.status().ready).toBe(true);
    health.recordCycle('emea', false);
    expect(health.status()).toEqual({
      live: true,
      ready: false,
      reasons: ['shard emea: 3 failed cycles in a row'],
    });
    health.recordCycle('emea', false);
    expect(health.status().reasons).toEqual(['shard emea: 4 failed cycles in a row']);
    health.recordCycle('emea', true);
    expect(health.status()).toEqual({ live: true, ready: true, reasons: [] });
  });

  it('counts only consecutive failures: a clean cycle in between resets the count', () => {
    const health = readyWorker();
    health.recordCycle('apac', false);
    health.recordCycle('apac', false);
    health.recordCycle('apac', true);
    health.recordCycle('apac', false);
    health.recordCycle('apac', false);
    expect(health.status().ready).toBe(true);
  });

  it('is unready after a failed Kafka send, with its message, until a send succeeds', () => {
    const health = readyWorker();
    health.recordSinkFailure('broker away');
    expect(health.status()).toEqual({
      live: true,
      ready: false,
      reasons: ['Kafka sends failing (1 in a row): broker away'],
    });
    health.recordSinkFailure('leader not available');
    expect(health.status().reasons).toEqual(['Kafka sends failing (2 in a row): leader not available']);
    health.recordSinkSuccess();
    expect(health.status()).toEqual({ live: true, ready: true, reasons: [] });
  });

  it('reports a stopped shard, stays live while another shard runs, and dies when every shard stopped', () => {
    const health = readyWorker();
    health.recordStopped('emea', 'permission missing');
    expect(health.status()).toEqual({
      live: true,
      ready: false,
      reasons: ['shard emea stopped: permission missing'],
    });
    health.recordStopped('apac', 'fenced');
    expect(health.status()).toEqual({
      live: false,
      ready: false,
      reasons: ['shard emea stopped: permission missing', 'shard apac stopped: fenced'],
    });
  });

  it('reports a stopped shard even before its first clean cycle, and ignores shards it does not own', () => {
    const health = new WorkerHealth();
    health.recordSinkConnected();
    health.recordOwnedShards(['emea']);
    health.recordStopped('emea', 'fenced');
    health.recordStopped('apac', 'ignored');
    expect(health.status()).toEqual({ live: false, ready: false, reasons: ['shard emea stopped: fenced'] });
  });

  it('forgets a shard given up and starts a new one afresh, keeping the history of one kept', () => {
    const health = readyWorker(['emea', 'apac']);
    health.recordStopped('apac', 'fenced');
    health.recordCycle('emea', false);
    health.recordCycle('emea', false);
    health.recordCycle('emea', false);
    health.recordOwnedShards(['emea', 'amer']);
    expect(health.status()).toEqual({
      live: true,
      ready: false,
      reasons: ['shard emea: 3 failed cycles in a row', 'shard amer has not completed a clean cycle yet'],
    });
  });

  it('is unready while stopping, and stays live', () => {
    const health = readyWorker();
    health.recordStopping();
    expect(health.status()).toEqual({ live: true, ready: false, reasons: ['shutting down'] });
  });

  it('lists every reason at once', () => {
    const health = new WorkerHealth();
    health.recordStopping();
    health.recordSinkFailure('boom');
    expect(health.status()).toEqual({
      live: true,
      ready: false,
      reasons: ['shutting down', 'Kafka not connected yet', 'Kafka sends failing (1 in a row): boom'],
    });
  });

  it('forgets why a shard stopped once it is polled again and completes a clean cycle', () => {
    const health = new WorkerHealth();
    health.recordSinkConnected();
    health.recordOwnedShards(['emea']);
    health.recordCycle('emea', true);
    health.recordStopped('emea', 'fenced');
    expect(health.status()).toEqual({ live: false, ready: false, reasons: ['shard emea stopped: fenced'] });
    health.recordCycle('emea', false);
    expect(health.status().reasons).toEqual(['shard emea stopped: fenced']);
    health.recordCycle('emea', true);
    expect(health.status()).toEqual({ live: true, ready: true, reasons: [] });
  });

  it('says while sign-in fails why, with the AADSTS code, and forgets it once sign-in works', () => {
    const health = readyWorker(['emea']);
    health.recordSignIn('the client secret is wrong (AADSTS7000215)');
    expect(health.status()).toEqual({
      live: true,
      ready: false,
      reasons: ['Graph sign-in failing: the client secret is wrong (AADSTS7000215)'],
    });
    health.recordSignIn(undefined);
    expect(health.status()).toEqual({ live: true, ready: true, reasons: [] });
  });

  it('says why a shard has no clean cycle yet, and why its cycles keep failing', () => {
    const health = new WorkerHealth();
    health.recordSinkConnected();
    health.recordOwnedShards(['emea']);
    health.recordCycle('emea', false, 'Graph sign-in failing: the client secret is wrong (AADSTS7000215)');
    expect(health.status().reasons).toEqual([
      'shard emea has not completed a clean cycle yet: Graph sign-in failing: the client secret is wrong (AADSTS7000215)',
    ]);
    health.recordCycle('emea', true);
    for (let i = 0; i < 3; i++) health.recordCycle('emea', false, 'Graph unavailable: HTTP 503 on 20 of 20 batches');
    expect(health.status().reasons).toEqual([
      'shard emea: 3 failed cycles in a row: Graph unavailable: HTTP 503 on 20 of 20 batches',
    ]);
    health.recordCycle('emea', true);
    health.recordCycle('emea', false);
    health.recordCycle('emea', false);
    health.recordCycle('emea', false);
    // A failure without a reason does not keep an older one.
    expect(health.status().reasons).toEqual(['shard emea: 3 failed cycles in a row']);
  });
});

import { describe, expect, it } from 'vitest';
import { sampleLatencyMs } from '../../src/simulator/routing.js';
import { faultInjectionHarness, graphErrorBody, http, postPresences } from './helpers.js';

describe('routing', () => {
  const fixture = faultInjectionHarness();
  const { ids } = fixture;

  it('adds fixed, uniform and normal-ish latency', async () => {
    const durations = async (count: number): Promise<number[]> => {
      fixture.harness.sim.resetRecording();
      for (let i = 0; i < count; i++) await postPresences(fixture.harness, fixture.token, { ids: ids(1) });
      return fixture.harness.sim.recording.requests().map((r) => r.durationMs);
    };
    fixture.harness.sim.setFaults({ latency: { kind: 'fixed', ms: 120 } });
    const started = performance.now();
    await postPresences(fixture.harness, fixture.token, { ids: ids(1) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(119);

    fixture.harness.sim.setFaults({ latency: { kind: 'uniform', minMs: 30, maxMs: 60 } });
    // Lower bounds only: a busy machine may add time, never remove it. The draw's upper bound is tested below.
    for (const duration of await durations(6)) expect(duration).toBeGreaterThanOrEqual(29);
    fixture.harness.sim.setFaults({ latency: { kind: 'normal', meanMs: 40, stdDevMs: 0 } });
    for (const duration of await durations(3)) expect(duration).toBeGreaterThanOrEqual(39);
  });

  it('draws uniform latency within its bounds, normal-ish latency never below zero', () => {
    const uniform = { kind: 'uniform', minMs: 30, maxMs: 60 } as const;
    expect(sampleLatencyMs(uniform, () => 0)).toBe(30);
    expect(sampleLatencyMs(uniform, () => 0.5)).toBe(45);
    const draws = Array.from({ length: 1_000 }, () => sampleLatencyMs(uniform, Math.random));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...draws)).toBeLessThan(60);
    expect(sampleLatencyMs({ kind: 'fixed', ms: 120 }, Math.random)).toBe(120);
    expect(sampleLatencyMs(null, Math.random)).toBe(0);
    const normal = Array.from({ length: 1_000 }, () =>
      sampleLatencyMs({ kind: 'normal', meanMs: 5, stdDevMs: 50 }, Math.random),
    );
    expect(Math.min(...normal)).toBe(0);
  });

  it('answers 404 for routes it does not know', async () => {
    const result = await http(fixture.harness, 'GET', '/v1.0/me');
    expect(result.status).toBe(404);
    expect(graphErrorBody(result).error.code).toBe('UnknownRoute');
  });
});

import { describe, expect, it } from 'vitest';
import type { DemoScreen } from '../../../scripts/demo/screen.js';
import {
  ChangeRate,
  createStatusReporter,
  formatStatusLine,
  formatTailLine,
  type StatusFacts,
} from '../../../scripts/demo/status.js';

const facts: StatusFacts = {
  users: 2000,
  shards: 4,
  metricsUrl: 'http://127.0.0.1:41234/metrics',
  tailCommand: 'npm run connector -- tail --topic presence-demo --brokers 127.0.0.1:45643',
};

/** A screen that records what the reporter asks of it. */
function fakeScreen(sticky: boolean, columns = 100): DemoScreen & { footers: string[][]; closed: number } {
  const screen = {
    sticky,
    footers: [] as string[][],
    closed: 0,
    columns: () => columns,
    line: () => undefined,
    note: () => undefined,
    status: (lines: readonly string[]) => {
      screen.footers.push([...lines]);
    },
    close: () => {
      screen.closed += 1;
    },
  };
  return screen;
}

describe('the demo status line', () => {
  it('says the rate, users, shards, metrics URL and readiness', () => {
    expect(formatStatusLine(facts, 6.54, { ready: true, reasons: [] }, 86)).toBe(
      '6.5 changes/s, 2,000 users, 4 shards, http://127.0.0.1:41234/metrics, ready',
    );
    expect(formatStatusLine({ ...facts, users: 1, shards: 1 }, 1234.4, { ready: true, reasons: [] }, 86)).toBe(
      '1,234 changes/s, 1 user, 1 shard, http://127.0.0.1:41234/metrics, ready',
    );
    expect(formatStatusLine(facts, 0, { ready: false, reasons: [] }, 100)).toMatch(/, not ready: starting$/);
    expect(formatTailLine(facts)).toBe(`tail: ${facts.tailCommand}`);
  });

  it('cuts a long reason to the width, never the metrics URL', () => {
    const reasons = ['Kafka not connected yet', 'shard emea has not completed a clean cycle yet'];
    const line = formatStatusLine({ ...facts, users: 100_000 }, 12, { ready: false, reasons }, 86);
    expect(line).toHaveLength(86);
    expect(line).toBe('12 changes/s, 100,000 users, 4 shards, http://127.0.0.1:41234/metrics, not ready: Kaf…');
    expect(line.endsWith('…')).toBe(true);
  });

  it('measures the rate over the last 10 s', () => {
    const rate = new ChangeRate(10_000);
    expect(rate.perSecond()).toBe(0);
    rate.add(0, 0);
    rate.add(5_000, 100);
    expect(rate.perSecond()).toBe(20);
    rate.add(10_000, 150);
    expect(rate.perSecond()).toBe(15);
    // The first 10 s are out of the window now: 30 changes between 10 s and 20 s.
    rate.add(20_000, 180);
    expect(rate.perSecond()).toBe(3);
  });

  it('prints a plain line every tick and the tail command every third when stdout is not a terminal', () => {
    const said: string[] = [];
    let clock = 0;
    let changes = 0;
    const screen = fakeScreen(false);
    const reporter = createStatusReporter({
      screen,
      say: (message) => said.push(message),
      sayPrefixColumns: 14,
      facts,
      changes: () => changes,
      readiness: () => ({ ready: clock >= 20_000, reasons: ['Kafka not connected yet'] }),
      now: () => clock,
    });
    for (let tick = 1; tick <= 3; tick += 1) {
      clock += 10_000;
      changes += 70;
      reporter.tick();
    }
    expect(said).toEqual([
      '7.0 changes/s, 2,000 users, 4 shards, http://127.0.0.1:41234/metrics, not ready: Kafk…',
      '7.0 changes/s, 2,000 users, 4 shards, http://127.0.0.1:41234/metrics, ready',
      '7.0 changes/s, 2,000 users, 4 shards, http://127.0.0.1:41234/metrics, ready',
      `tail: ${facts.tailCommand}`,
    ]);
    // With the demo's 14-column prefix, each status line fits 100 columns.
    for (const line of said.filter((text) => !text.startsWith('tail:'))) expect(line.length).toBeLessThanOrEqual(86);
    expect(screen.footers).toEqual([]);
  });

  it('keeps the status and the tail command under the view on a terminal, and leaves them behind when stopped', () => {
    const screen = fakeScreen(true, 60);
    let clock = 0;
    const reporter = createStatusReporter({
      screen,
      say: () => expect.unreachable('a terminal gets the sticky lines, not progress lines'),
      sayPrefixColumns: 14,
      facts,
      changes: () => clock / 100,
      readiness: () => ({ ready: true, reasons: [] }),
      now: () => clock,
    });
    clock = 1_000;
    reporter.tick();
    expect(screen.footers).toEqual([
      ['10 changes/s, 2,000 users, 4 shards, http://127.0.0.1:4123…', `tail: ${facts.tailCommand}`],
    ]);
    reporter.stop();
    expect(screen.closed).toBe(1);
  });
});

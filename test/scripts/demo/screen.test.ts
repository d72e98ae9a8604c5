import { describe, expect, it } from 'vitest';
import { createScreen, MAX_COLUMNS, type TerminalStream } from '../../../scripts/demo/screen.js';

const ESC = String.fromCharCode(0x1b);

/** stdout and stderr of one terminal (or one pipe): the writes in the order a person would see them. */
function streams(isTTY: boolean, columns?: number): { out: TerminalStream; err: TerminalStream; seen: string[] } {
  const seen: string[] = [];
  const stream = (name: string): TerminalStream => ({
    isTTY,
    ...(columns === undefined ? {} : { columns }),
    write: (text: string) => seen.push(`${name}:${text}`),
  });
  return { out: stream('out'), err: stream('err'), seen };
}

describe('the demo screen', () => {
  it('writes plain lines when not a terminal, status lines included, with no escape sequence', () => {
    const { out, err, seen } = streams(false);
    const screen = createScreen(out, err);
    expect([screen.sticky, screen.columns()]).toEqual([false, MAX_COLUMNS]);
    screen.line('a change');
    screen.status(['status', 'tail: npm run connector -- tail']);
    screen.note('[demo] progress');
    screen.close();
    expect(seen).toEqual([
      'out:a change\n',
      'err:status\n',
      'err:tail: npm run connector -- tail\n',
      'err:[demo] progress\n',
    ]);
  });

  it('keeps the status lines under every new line on a terminal, and leaves them in place when closed', () => {
    const { out, err, seen } = streams(true, 80);
    const screen = createScreen(out, err);
    expect([screen.sticky, screen.columns()]).toEqual([true, 80]);
    screen.line('before any status');
    screen.status(['status one', 'tail: cmd']);
    screen.line('a change');
    screen.note('[demo] progress');
    screen.status(['status two', 'tail: cmd']);
    screen.close();
    // Erasing goes back to the first status row (one up from the second) and clears to the end of the screen.
    const erase = `err:\r${ESC}[1A${ESC}[J`;
    expect(seen).toEqual([
      'out:before any status\n',
      'err:status one\ntail: cmd',
      erase,
      'out:a change\n',
      'err:status one\ntail: cmd',
      erase,
      'err:[demo] progress\n',
      'err:status one\ntail: cmd',
      erase,
      'err:status two\ntail: cmd',
      erase,
      'err:status two\n',
      'err:tail: cmd\n',
    ]);
  });

  it('counts the rows of a status line wider than the terminal', () => {
    const { out, err, seen } = streams(true, 20);
    const screen = createScreen(out, err);
    screen.status(['x'.repeat(45)]);
    screen.line('next');
    // 45 columns on a 20-column terminal take 3 rows: up 2.
    expect(seen[1]).toBe(`err:\r${ESC}[2A${ESC}[J`);
    expect(screen.columns()).toBe(20);
  });

  it('is not sticky when only one of stdout and stderr is a terminal', () => {
    const tty = streams(true, 120);
    const pipe = streams(false);
    expect(createScreen(tty.out, pipe.err).sticky).toBe(false);
    expect(createScreen(pipe.out, tty.err).sticky).toBe(false);
    expect(createScreen(tty.out, tty.err).columns()).toBe(MAX_COLUMNS);
  });
});

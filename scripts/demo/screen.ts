/**
 * Where the demo writes: the live view on stdout, its progress on stderr, and status lines that must stay findable
 * while the view scrolls. On a terminal (stdout and stderr both) the status lines stay at the bottom, redrawn under
 * every new line; anywhere else (a pipe, a file, CI) nothing is redrawn and the caller prints them now and then.
 */

/** The part of process.stdout / process.stderr the screen uses; tests pass fakes. */
export interface TerminalStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** The terminal's width, when it is one. */
  readonly columns?: number;
}

export interface DemoScreen {
  /** True on a terminal: status() keeps its lines at the bottom. */
  readonly sticky: boolean;
  /** Columns a line may take: the terminal's width, at most MAX_COLUMNS; MAX_COLUMNS when not a terminal. */
  columns(): number;
  /** A line of the live view, on stdout. */
  line(text: string): void;
  /** A progress or warning line, on stderr. */
  note(text: string): void;
  /** Replaces the status lines: kept under the view on a terminal, else printed once on stderr. */
  status(lines: readonly string[]): void;
  /** Leaves the last status lines in the scrollback as ordinary lines and stops redrawing them. */
  close(): void;
}

/** The live view and the status line fit this width (the issue's 100 columns), or the terminal's if narrower. */
export const MAX_COLUMNS = 100;

const ESC = String.fromCharCode(0x1b);

export function createScreen(out: TerminalStream, err: TerminalStream): DemoScreen {
  const sticky = out.isTTY === true && err.isTTY === true;
  const terminalColumns = (): number => (out.columns !== undefined && out.columns > 0 ? out.columns : MAX_COLUMNS);
  let footer: readonly string[] = [];
  // Terminal rows the footer takes now (a line wider than the terminal wraps onto more than one).
  let drawnRows = 0;

  // Draws the footer without a final newline, so the cursor stays on its last row and erase() knows where it is.
  const draw = (): void => {
    if (!sticky || footer.length === 0) return;
    err.write(footer.join('\n'));
    const width = terminalColumns();
    drawnRows = footer.reduce((rows, text) => rows + Math.max(1, Math.ceil(Array.from(text).length / width)), 0);
  };
  // Back to the footer's first row, then clear to the end of the screen.
  const erase = (): void => {
    if (drawnRows === 0) return;
    err.write(`\r${drawnRows > 1 ? `${ESC}[${drawnRows - 1}A` : ''}${ESC}[J`);
    drawnRows = 0;
  };
  const above = (stream: TerminalStream, text: string): void => {
    erase();
    stream.write(`${text}\n`);
    draw();
  };

  return {
    sticky,
    columns: () => (sticky ? Math.min(MAX_COLUMNS, terminalColumns()) : MAX_COLUMNS),
    line: (text) => above(out, text),
    note: (text) => above(err, text),
    status: (lines) => {
      if (!sticky) {
        for (const text of lines) err.write(`${text}\n`);
        return;
      }
      erase();
      footer = [...lines];
      draw();
    },
    close: () => {
      erase();
      for (const text of footer) err.write(`${text}\n`);
      footer = [];
    },
  };
}

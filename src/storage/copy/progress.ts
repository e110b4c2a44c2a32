/** What a copy tells the person running it, as it goes. */
export interface CopyProgress {
  /** `done` of `total` rows of `table` are in the target (counting rows of an earlier, interrupted run). */
  copied(table: string, done: number, total: number): void;
  /** The copy is checking `table`. */
  verifying(table: string): void;
  /** Nothing more will be reported. */
  end(): void;
}

/** A progress report that says nothing (the library default). */
export const SILENT_PROGRESS: CopyProgress = { copied() {}, verifying() {}, end() {} };

/** A line is printed each time a table crosses another of these percentages (when the stream is not a terminal). */
const LINE_STEP_PERCENT = 25;
const BAR_WIDTH = 24;

/**
 * Progress on `stream` (stderr): on a terminal one line rewritten in place with a bar; otherwise
 * (a log, CI) one line per table each time it crosses another 25%, so a log stays short.
 */
export function streamProgress(stream: NodeJS.WriteStream): CopyProgress {
  const tty = stream.isTTY === true;
  const printedStep = new Map<string, number>();
  let lineOpen = false;
  const line = (text: string): void => {
    if (tty) {
      stream.write(`\r\x1b[K${text}`);
      lineOpen = true;
    } else stream.write(`${text}\n`);
  };
  return {
    copied(table, done, total) {
      const percent = total === 0 ? 100 : Math.min(100, Math.floor((done / total) * 100));
      if (!tty) {
        const step = Math.floor(percent / LINE_STEP_PERCENT);
        if (printedStep.get(table) === step) return;
        printedStep.set(table, step);
      }
      const filled = Math.round((percent / 100) * BAR_WIDTH);
      const bar = tty ? `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ` : '';
      line(`copying ${table.padEnd(22)} ${bar}${done}/${total} rows (${percent}%)`);
    },
    verifying(table) {
      if (tty) line(`verifying ${table}`);
    },
    end() {
      if (tty && lineOpen) stream.write('\r\x1b[K');
      lineOpen = false;
    },
  };
}

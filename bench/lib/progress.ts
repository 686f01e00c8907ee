/**
 * A one-line progress bar on stderr, so stdout keeps only the final table. Redraws at most every
 * 200 ms; when stderr is not a terminal it prints a plain line every 10% instead.
 */
export interface Progress {
  tick(n?: number): void;
  set(done: number): void;
  done(note?: string): void;
}

const WIDTH = 30;

export function progress(label: string, total: number): Progress {
  const tty = process.stderr.isTTY;
  const started = Date.now();
  let done = 0;
  let lastDraw = 0;
  let lastDecile = -1;
  const draw = (force = false): void => {
    const now = Date.now();
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const elapsed = (now - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const line = `${label} [${'#'.repeat(Math.round(fraction * WIDTH)).padEnd(WIDTH, '.')}] ${done}/${total} ${elapsed.toFixed(0)}s ${rate.toFixed(1)}/s`;
    if (tty) {
      if (!force && now - lastDraw < 200) return;
      lastDraw = now;
      process.stderr.write(`\r${line}\x1b[K`);
    } else {
      const decile = Math.floor(fraction * 10);
      if (!force && decile === lastDecile) return;
      lastDecile = decile;
      process.stderr.write(`${line}\n`);
    }
  };
  draw(true);
  return {
    tick(n = 1) {
      done += n;
      draw();
    },
    set(value) {
      done = value;
      draw();
    },
    done(note) {
      draw(true);
      process.stderr.write(`${tty ? '\n' : ''}${note ? `${label}: ${note}\n` : ''}`);
    },
  };
}

/** Phase messages go to stderr with the bar; stdout is kept for the table. */
export const say = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);

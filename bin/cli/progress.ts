/**
 * A progress bar on stderr for long replays and backtests, only when stderr is a
 * terminal (never in pipes, CI logs or JSON consumers' stderr files). Each phase
 * (its label: "reading", "replaying", "fetching …") gets its own bar and an ETA
 * from its own rate so far.
 */
export interface Progress {
  update(done: number, total: number, label: string, unit?: 'items' | 'bytes' | 'permille'): void;
  done(): void;
}

export const NO_PROGRESS: Progress = { update() {}, done() {} };

export function createProgress(stream: NodeJS.WriteStream | undefined = process.stderr, minTotal = 5000, now: () => number = Date.now): Progress {
  if (!stream?.isTTY) return NO_PROGRESS;
  return createProgressBar((text) => void stream.write(text), minTotal, now);
}

/** The bar itself, written to any sink (tests read it as text). */
export function createProgressBar(write: (text: string) => void, minTotal = 5000, now: () => number = Date.now): Progress {
  let lastDraw = 0;
  let drawn = false;
  let phase = '';
  let phaseStart = 0;
  let phaseFrom = 0;
  return {
    update(done, total, label, unit = 'items') {
      if (unit === 'items' && total < minTotal) return;
      const t = now();
      if (label !== phase) {
        phase = label;
        phaseStart = t;
        phaseFrom = done;
      }
      if (t - lastDraw < 100 && done < total) return;
      lastDraw = t;
      const width = 30;
      const filled = Math.max(0, Math.min(width, Math.round((done / Math.max(total, 1)) * width)));
      const amount = unit === 'bytes' ? `${mb(done)}/${mb(total)} MB` : unit === 'permille' ? `${(done / 10).toFixed(1)}%` : `${done}/${total}`;
      write(`\r\x1b[K${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${amount}${eta(done - phaseFrom, total - done, t - phaseStart)}`);
      drawn = true;
    },
    done() {
      if (drawn) write('\r\x1b[K');
      drawn = false;
    },
  };
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** " ETA m:ss" from the rate so far in this phase; nothing until there is a rate to speak of. */
export function eta(doneInPhase: number, remaining: number, elapsedMs: number): string {
  if (doneInPhase <= 0 || elapsedMs < 500 || remaining <= 0) return '';
  const seconds = Math.ceil((remaining / doneInPhase) * (elapsedMs / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `  ETA ${h}:${String(m).padStart(2, '0')}:${s}` : `  ETA ${m}:${s}`;
}

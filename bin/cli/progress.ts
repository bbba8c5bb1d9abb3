/**
 * A progress bar on stderr for long replays, only when stderr is a terminal
 * (never in pipes, CI logs or JSON consumers' stderr files).
 */
export interface Progress {
  update(done: number, total: number, label: string): void;
  done(): void;
}

const NO_PROGRESS: Progress = { update() {}, done() {} };

export function createProgress(stream: NodeJS.WriteStream = process.stderr, minTotal = 5000): Progress {
  if (!stream.isTTY) return NO_PROGRESS;
  let lastDraw = 0;
  let drawn = false;
  return {
    update(done, total, label) {
      if (total < minTotal) return;
      const now = Date.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round((done / total) * width);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

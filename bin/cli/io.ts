/**
 * The CLI's connection to the world, injectable so tests run commands in-process
 * and read exactly what a user would see.
 */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** For progress bars: only drawn when this is a terminal. */
  stderrStream?: NodeJS.WriteStream;
}

/** A mistake in how the command was called: printed without a stack trace, exit 2. */
export class UsageError extends Error {}

export function processIo(): Io {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    stderrStream: process.stderr,
  };
}

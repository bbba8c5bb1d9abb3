/**
 * Debian's `chromium`, headless, for the HTML report test: renders a file and returns the
 * DOM it built. `.ci/run` installs chromium when it is missing; where it still cannot run,
 * `chromiumUnavailable()` says why, and the test skips printing that reason.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string | undefined {
  const env = process.env.CHROMIUM_PATH;
  if (env && existsSync(env)) return env;
  return CANDIDATES.find((c) => existsSync(c));
}

/** Why the browser test cannot run here, or undefined when it can. */
export function chromiumUnavailable(): string | undefined {
  const path = chromiumPath();
  if (!path) return `no chromium at ${CANDIDATES.join(', ')} (install with: apt-get install -y chromium; .ci/run does this)`;
  try {
    execFileSync(path, ['--version'], { timeout: 20_000, stdio: 'pipe' });
  } catch (error) {
    return `${path} --version failed: ${(error as Error).message}`;
  }
  return undefined;
}

/** Loads the page with the network cut off and returns the serialised DOM after layout. */
export async function renderDom(file: string, timeoutMs = 60_000): Promise<string> {
  const path = chromiumPath();
  if (!path) throw new Error('chromium not found');
  const profile = await mkdtemp(join(tmpdir(), 'blastwall-chromium-'));
  try {
    return await new Promise<string>((resolve, reject) => {
      execFile(
        path,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-extensions',
          `--user-data-dir=${profile}`,
          // Any request off this machine fails: a self-contained page does not notice.
          '--host-resolver-rules=MAP * ~NOTFOUND',
          '--virtual-time-budget=2000',
          '--dump-dom',
          `file://${file}`,
        ],
        { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      );
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

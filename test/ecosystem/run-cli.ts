/** Runs the CLI in-process and returns what it printed, unparsed (ASFF output is one JSON array, not JSON lines). */
import { main } from '../../bin/cli.ts';

export async function runCliRaw(args: string[], cwd = process.cwd()): Promise<{ code: number; stdout: string; stderr: string; lines: Array<Record<string, unknown>> }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env: {} });
  const lines = stdout.startsWith('[')
    ? []
    : stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, stdout, stderr, lines };
}

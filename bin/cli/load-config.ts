/**
 * Finds and validates the configuration for the CLI: `--config FILE`, else
 * `./blastwall.config.json`, else the built-in example.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, EXAMPLE_CONFIG, parseConfig, parseConfigText, type BlastwallConfig } from '../../functions/core/config.ts';
import { UsageError } from './io.ts';

export async function loadConfig(path: string | undefined, cwd: string): Promise<{ config: BlastwallConfig; source: string }> {
  const candidate = path ?? (existsSync(resolve(cwd, 'blastwall.config.json')) ? 'blastwall.config.json' : undefined);
  if (candidate === undefined) return { config: parseConfig(EXAMPLE_CONFIG, 'built-in example'), source: 'built-in example (pass --config FILE for yours)' };
  let text: string;
  try {
    text = await readFile(resolve(cwd, candidate), 'utf8');
  } catch (error) {
    throw new UsageError(`--config ${candidate}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return { config: parseConfigText(text, candidate), source: candidate };
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

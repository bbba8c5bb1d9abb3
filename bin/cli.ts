/**
 * `blastwall`: the command line door to the same core the Lambda functions run.
 */
import { backtestCommand } from './cli/backtest-command.ts';
import { auditCommand } from './cli/audit-command.ts';
import { backupsCommand } from './cli/backups-command.ts';
import { demoCommand } from './cli/demo-command.ts';
import { warmUpCommand } from './cli/warm-up-command.ts';
import { processIo, UsageError, type Io } from './cli/io.ts';
import { InputError } from './cli/read-input.ts';
import { EXIT, replayCommand } from './cli/replay-command.ts';
import { BLASTWALL_VERSION } from '../functions/core/version.ts';

const USAGE = `usage: blastwall <command> [options]

commands:
  replay [--config FILE] [--format F] FILE|DIR...       backtest recorded CloudTrail (files or an S3 tree; F: text|json|html|asff|ocsf)
  backtest --since 14d [--format F] [--out FILE] ...    the same, pulled from CloudTrail itself
  warm-up --table NAME [--since 14d] ...                fill the state table from CloudTrail's last days
  demo                                                  the incident Blastwall exists to stop, step by step
  audit [--format text|json|html] [--live] FILE...      what each credential could do, before anything happens
  backups --live [--format text|json]                   is there a recent backup a bad credential cannot delete
  help                                                  this text
  --version                                             the version of this blastwall

Run "blastwall <command> --help" for details.`;

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'replay':
        return await replayCommand(rest, io);
      case 'backtest':
        return await backtestCommand(rest, io);
      case 'warm-up':
        return await warmUpCommand(rest, io);
      case 'demo':
        return await demoCommand(rest, io);
      case '--version':
      case '-V':
      case 'version':
        io.stdout(`${BLASTWALL_VERSION}\n`);
        return EXIT.ok;
      case 'audit':
        return await auditCommand(rest, io);
      case 'backups':
        return await backupsCommand(rest, io);
      case 'help':
      case '--help':
      case '-h':
        io.stdout(`${USAGE}\n`);
        return EXIT.ok;
      case undefined:
        throw new UsageError(USAGE);
      default:
        throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof InputError) {
      io.stderr(`blastwall: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

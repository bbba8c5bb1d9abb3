/**
 * `blastwall`: the command line door to the same core the Lambda functions run.
 */
import { auditCommand } from './cli/audit-command.ts';
import { backupsCommand } from './cli/backups-command.ts';
import { demoCommand } from './cli/demo-command.ts';
import { processIo, UsageError, type Io } from './cli/io.ts';
import { InputError } from './cli/read-input.ts';
import { EXIT, replayCommand } from './cli/replay-command.ts';

const USAGE = `usage: blastwall <command> [options]

commands:
  replay [--config FILE] [--format text|json] FILE...   backtest recorded CloudTrail
  demo                                                  the incident Blastwall exists to stop, step by step
  audit [--format text|json|html] [--live] FILE...      what each credential could do, before anything happens
  backups --live [--format text|json]                   is there a recent backup a bad credential cannot delete
  help                                                  this text

Run "blastwall replay --help" for details.`;

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'replay':
        return await replayCommand(rest, io);
      case 'demo':
        return await demoCommand(rest, io);
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

import { describeError } from '../aws/aws-error.js';
import { CloneWardenError, PolicyValidationError, UsageError } from '../model/errors.js';
import { type CliCommand, EXIT } from './cli-command.js';
import { cliVersion } from './cli-version.js';
import { auditUsage, pruneUsage, releaseUsage, replayUsage, validateUsage } from './command-usage.js';

interface CommandEntry {
  summary: string;
  /** What `clonewarden <command> --help` prints, without loading the command. */
  usage: string;
  load(): Promise<CliCommand>;
}

/**
 * A table of commands, so that adding one is one entry (no switch to edit). Each module is
 * imported only when its command runs (not for its `--help`): replay, prune, audit and release
 * pull in the AWS SDK, which `--help` and `validate` must not pay for (the bundle splits each
 * into its own chunk).
 */
const COMMANDS: Record<string, CommandEntry> = {
  validate: {
    summary: 'check a policy file and explain every error with its path in the file',
    usage: validateUsage,
    load: async () => (await import('./validate-command.js')).validateCommand,
  },
  replay: {
    summary: 'run the enforce pipeline on CloudTrail records from files (record, envelope, log file, .gz)',
    usage: replayUsage,
    load: async () => (await import('./replay-command.js')).replayCommand,
  },
  prune: {
    summary:
      'mark, then after a grace period delete, expired clones that nothing uses; reconcile missed ones',
    usage: pruneUsage,
    load: async () => (await import('./prune-command.js')).pruneCommand,
  },
  audit: {
    summary: 'write the estate report: family trees, findings, spend (html, json or csv); Security Hub',
    usage: auditUsage,
    load: async () => (await import('./audit-command.js')).auditCommand,
  },
  release: {
    summary: 'lift a quarantine after review: restore shares, re-enable, mark exempt, alert',
    usage: releaseUsage,
    load: async () => (await import('./release-command.js')).releaseCommand,
  },
};

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(9)} ${command.summary}`);
  return [
    'usage: clonewarden <command> [options]',
    '       clonewarden --version',
    '',
    'commands:',
    ...lines,
    '',
    'Settings (flag wins over env var): --policy / CLONEWARDEN_POLICY (default ./clonewarden.yml),',
    '--topic-arn / CLONEWARDEN_ALERT_TOPIC_ARN, --dry-run / CLONEWARDEN_DRY_RUN=true.',
    'AWS: the standard credential chain; AWS_ENDPOINT_URL points every client at an emulator.',
    "Run 'clonewarden <command> --help' for a command's options and what its exit codes mean:",
    '0 done (violations and findings are not errors), 1 part of the run failed, 2 bad usage, an',
    'invalid policy, no region or no credentials.',
  ].join('\n');
}

/** Runs one CLI invocation and returns its exit code: 0 done, 1 part of the run failed, 2 bad usage or policy. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${cliVersion()}\n`);
    return EXIT.ok;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    process.stderr.write(`clonewarden: unknown command "${name}"\n\n${help()}\n`);
    return EXIT.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${entry.usage}\n`);
    return EXIT.ok;
  }
  const command = await entry.load();
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError || error instanceof PolicyValidationError) {
      process.stderr.write(`clonewarden ${name}: ${error.message}\n`);
      if (error instanceof UsageError) process.stderr.write(`\n${entry.usage}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`clonewarden ${name}: ${unexpectedErrorText(error)}\n`);
    return EXIT.failed;
  }
}

/**
 * One line for an error the command did not expect (a refused connection, an AWS error): its
 * name and message, with the stack only at CLONEWARDEN_LOG_LEVEL=debug, where it is asked for.
 */
function unexpectedErrorText(error: unknown): string {
  if (error instanceof CloneWardenError) return error.message;
  if (process.env.CLONEWARDEN_LOG_LEVEL === 'debug') return (error as Error)?.stack ?? String(error);
  return `${describeError(error)} (CLONEWARDEN_LOG_LEVEL=debug shows the stack)`;
}

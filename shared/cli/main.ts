import { CloneWardenError, PolicyValidationError, UsageError } from '../model/errors.js';
import { type CliCommand, EXIT } from './cli-command.js';
import { pruneCommand } from './prune-command.js';
import { releaseCommand } from './release-command.js';
import { replayCommand } from './replay-command.js';
import { validateCommand } from './validate-command.js';

/** A table of commands, so that adding one is one entry (no switch to edit). */
const COMMANDS: Record<string, CliCommand> = {
  validate: validateCommand,
  replay: replayCommand,
  prune: pruneCommand,
  release: releaseCommand,
};

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(9)} ${command.summary}`);
  return [
    'usage: clonewarden <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Settings (flag wins over env var): --policy / CLONEWARDEN_POLICY (default ./clonewarden.yml),',
    '--topic-arn / CLONEWARDEN_ALERT_TOPIC_ARN, --dry-run / CLONEWARDEN_DRY_RUN=true.',
    'AWS: the standard credential chain; AWS_ENDPOINT_URL points every client at an emulator.',
    "Run 'clonewarden <command> --help' for a command's options.",
  ].join('\n');
}

/** Runs one CLI invocation and returns its exit code: 0 done, 1 a record failed, 2 bad usage or policy. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`clonewarden: unknown command "${name}"\n\n${help()}\n`);
    return EXIT.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError || error instanceof PolicyValidationError) {
      process.stderr.write(`clonewarden ${name}: ${error.message}\n`);
      if (error instanceof UsageError) process.stderr.write(`\n${command.usage}\n`);
      return EXIT.usage;
    }
    const message =
      error instanceof CloneWardenError ? error.message : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`clonewarden ${name}: ${message}\n`);
    return EXIT.failed;
  }
}

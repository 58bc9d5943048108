import { checkCredentials, isMissingCredentials, resolveRegion } from '../aws/aws-config.js';
import { describeError } from '../aws/aws-error.js';
import { type AwsClients, createAwsClients } from '../aws/clients.js';
import { MissingCredentialsError } from '../model/errors.js';
import { type CliCommand, EXIT } from './cli-command.js';

/**
 * The clients for one command, in the user's region (`--region`, else the SDK's chain; never a
 * default). With `checkCredentials`, a run without credentials stops before any work.
 */
export async function connectAws(
  regionFlag: string | undefined,
  options: { checkCredentials: boolean },
): Promise<AwsClients> {
  const aws = createAwsClients({ region: await resolveRegion(regionFlag) });
  if (options.checkCredentials) await checkCredentials(aws);
  return aws;
}

/**
 * Ends a command that found no AWS credentials with one line saying how to provide them, and
 * exit 2 (it is the caller's setup, not a failure of the run), instead of a stack trace.
 */
export function withCredentialHint(name: string, command: CliCommand): CliCommand {
  return {
    ...command,
    async run(args) {
      try {
        return await command.run(args);
      } catch (error) {
        if (!isMissingCredentials(error)) throw error;
        const hint =
          error instanceof MissingCredentialsError
            ? error
            : new MissingCredentialsError(describeError(error));
        process.stderr.write(`clonewarden ${name}: ${hint.message}\n`);
        return EXIT.usage;
      }
    },
  };
}

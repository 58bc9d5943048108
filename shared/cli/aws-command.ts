import { checkCredentials, isMissingCredentials, resolveRegion } from '../aws/aws-config.js';
import { describeError } from '../aws/aws-error.js';
import { type AwsClients, createAwsClients } from '../aws/clients.js';
import { MemberAccounts } from '../aws/member-accounts.js';
import { AwsOrganizationDirectory } from '../aws/organization-directory.js';
import { AccountOutsideOrganizationError, MissingCredentialsError, UsageError } from '../model/errors.js';
import type { EnforcerLog } from '../model/log.js';
import { type CliCommand, EXIT } from './cli-command.js';

/**
 * The clients for one command, in the user's region (`--region`, else the SDK's chain; never a
 * default). With `checkCredentials`, a run without credentials stops before any work.
 */
export async function connectAws(
  regionFlag: string | undefined,
  options: { checkCredentials: boolean; memberRole?: string | undefined },
): Promise<AwsClients> {
  const region = await resolveRegion(regionFlag);
  // A person: the member account's CloudTrail names them (session name and source identity).
  const aws = createAwsClients({
    region,
    ...(options.memberRole ? { memberRole: options.memberRole, memberSession: { kind: 'operator' } } : {}),
  });
  if (options.checkCredentials) await checkCredentials(aws);
  return aws;
}

/** The account a one-account command acts in, and the clients that act there. */
export interface TargetAccount {
  aws: AwsClients;
  /** Set with `--account`: the account's name in the organization. */
  accountName?: string;
}

/**
 * `--account ID`: the member account, through the member role (organization mode), after
 * checking that it belongs to the organization; no `--account`: the caller's own account.
 */
export async function openTargetAccount(
  aws: AwsClients,
  options: { accountFlag: string | undefined; memberRole: string | undefined; log: EnforcerLog },
): Promise<TargetAccount> {
  const { accountFlag, memberRole, log } = options;
  if (accountFlag === undefined) return { aws };
  if (!memberRole) {
    throw new UsageError('--account needs organization mode: set --member-role or CLONEWARDEN_MEMBER_ROLE');
  }
  try {
    const directory = new AwsOrganizationDirectory(aws, { log });
    const opened = await new MemberAccounts(aws, { directory }).open(accountFlag);
    return { aws: opened.aws, accountName: opened.accountName };
  } catch (error) {
    if (error instanceof AccountOutsideOrganizationError) throw new UsageError(`--account: ${error.message}`);
    throw error;
  }
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

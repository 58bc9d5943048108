import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../model/errors.js';

/** `node:util` parseArgs, with unknown flags turned into a UsageError that names them. */
export function parseFlags<const Options extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: Options,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

/** The flags every command that calls AWS takes. */
export const SETTING_FLAGS = {
  region: { type: 'string' },
  policy: { type: 'string' },
  'topic-arn': { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** Organization mode: the role to assume in a member account (`CLONEWARDEN_MEMBER_ROLE`). */
export const MEMBER_ROLE_FLAG = { 'member-role': { type: 'string' } } as const;

/** Organization mode: the member account to act in (with the member role), for one-account commands. */
export const ACCOUNT_FLAGS = { ...MEMBER_ROLE_FLAG, account: { type: 'string' } } as const;

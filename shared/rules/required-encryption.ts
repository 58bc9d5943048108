import * as z from 'zod/mini';
import { compileArnGlob } from '../model/arn-glob.js';
import { kmsAliasRegion } from '../model/kms-alias.js';
import {
  CREATION_RULE_ACTIONS,
  type DiskEncryption,
  type KmsKeyFact,
  type RuleInput,
  type RuleOutcome,
} from '../model/types.js';
import { defineRule } from './rule-type.js';

/** A KMS alias, by name (`alias/backup`) or ARN (`arn:aws:kms:eu-west-1:111122223333:alias/backup`). */
const ALIAS = /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:)?alias\/[A-Za-z0-9/_-]{1,250}$/;
const KEY_ARN_GLOB = /^arn:(aws[a-z-]*|\*):kms:[^:]*:[^:]*:key\/\S+$/;

const kmsKeyEntry = () =>
  z.string().check(
    z.refine((entry) => ALIAS.test(entry) || KEY_ARN_GLOB.test(entry), {
      error: (issue) =>
        `expected a KMS key ARN glob such as arn:aws:kms:*:111122223333:key/* or an alias such as alias/backup (aliases are exact, no *), got ${JSON.stringify(issue.input)}`,
    }),
  );

const options = () => ({
  /**
   * The keys a clone may be encrypted with: key ARN globs, matched against the key EC2 reports,
   * or aliases, resolved to their key with KMS DescribeKey in the clone's region.
   */
  kmsKeys: z.optional(
    z.array(kmsKeyEntry()).check(z.minLength(1, { error: 'list at least one key ARN glob or alias' })),
  ),
  /** The key must be customer-managed (KMS DescribeKey says `KeyManager: CUSTOMER`), not `aws/ebs`. */
  customerManaged: z._default(z.boolean(), false),
});

type Options = z.infer<z.ZodMiniObject<ReturnType<typeof options>>>;

const isAlias = (entry: string) => ALIAS.test(entry);

/**
 * The clone's disks must be encrypted: an unencrypted snapshot is one ModifySnapshotAttribute
 * away from being readable by anyone, and an unencrypted copy of an encrypted AMI loses the
 * protection its source had. Optionally with listed keys, or with customer-managed keys only,
 * whose key policy (unlike `aws/ebs`'s) decides who else may ever use the data.
 */
export const requiredEncryptionRule = defineRule({
  type: 'required-encryption',
  family: 'creation',
  actions: CREATION_RULE_ACTIONS,
  summary:
    'Every disk of the clone must be encrypted; optionally with a key from kmsKeys (ARN globs or aliases) and/or a customer-managed key (customerManaged: true).',
  options,
  fixHint: (ids) =>
    `Make an encrypted copy: CopyImage or CopySnapshot with Encrypted=true and KmsKeyId=<an allowed customer-managed key>, use the copy, and delete ${ids}. Turn on EBS encryption by default (EnableEbsEncryptionByDefault, ModifyEbsDefaultKmsKeyId) so that new snapshots are encrypted from the start.`,
  example: {
    id: 'encrypted-clones',
    type: 'required-encryption',
    severity: 'high',
    action: 'quarantine',
    customerManaged: true,
    kmsKeys: ['arn:aws:kms:*:111122223333:key/*', 'alias/clone-key'],
  },
  needs: (opts) => ({
    diskEncryption: true,
    kmsKeyManager: opts.customerManaged,
    kmsAliases: (opts.kmsKeys ?? []).filter(isAlias),
  }),
  evaluate(opts, input) {
    const { clone } = input;
    if (clone.encryption === undefined) {
      return { violations: [], unknowns: [`encryption of ${clone.id} was not read: not checked`] };
    }
    if (clone.encryption.length === 0) {
      return {
        violations: [],
        unknowns: [
          `${clone.id} has no EBS snapshots to read encryption from (instance store, or still pending)`,
        ],
      };
    }
    const outcome: Required<Pick<RuleOutcome, 'violations' | 'unknowns'>> = { violations: [], unknowns: [] };
    for (const disk of clone.encryption) checkDisk(opts, input, disk, outcome);
    return outcome.unknowns.length > 0 ? outcome : { violations: outcome.violations };
  },
});

function diskName(input: RuleInput, disk: DiskEncryption): string {
  return disk.snapshotId === input.clone.id
    ? input.clone.id
    : `${disk.snapshotId} (disk of ${input.clone.id})`;
}

function checkDisk(
  opts: Options,
  input: RuleInput,
  disk: DiskEncryption,
  outcome: { violations: string[]; unknowns: string[] },
): void {
  const name = diskName(input, disk);
  if (!disk.encrypted) {
    outcome.violations.push(`${name} is not encrypted`);
    return;
  }
  if (!opts.kmsKeys && !opts.customerManaged) return;
  if (!disk.kmsKeyId) {
    outcome.unknowns.push(
      `${name} is encrypted, but EC2 did not report its KMS key: the key was not checked`,
    );
    return;
  }
  if (opts.kmsKeys) {
    const listed = keyIsListed(opts.kmsKeys, disk.kmsKeyId, input);
    if (listed === false)
      outcome.violations.push(`${name} is encrypted with ${disk.kmsKeyId}, which is not in kmsKeys`);
    else if (typeof listed === 'string') outcome.unknowns.push(`${name}: ${listed}`);
  }
  if (opts.customerManaged) {
    const key = findKey(input, disk.kmsKeyId, input.clone.region);
    if (key?.keyManager === 'AWS') {
      outcome.violations.push(
        `${name} is encrypted with ${disk.kmsKeyId}, an AWS managed key (such as aws/ebs), not a customer-managed key`,
      );
    } else if (key?.keyManager !== 'CUSTOMER') {
      const why = key?.unknown ?? 'it was not described';
      outcome.unknowns.push(`${name}: whether ${disk.kmsKeyId} is customer-managed is unknown (${why})`);
    }
  }
}

/**
 * `true` when an ARN glob or a resolved alias names the key; `false` when every entry was
 * checked and none does; a reason string when an alias could not be resolved and nothing else matched.
 */
function keyIsListed(entries: readonly string[], keyArn: string, input: RuleInput): boolean | string {
  const unresolved: string[] = [];
  for (const entry of entries) {
    if (!isAlias(entry)) {
      if (compileArnGlob(entry)(keyArn)) return true;
      continue;
    }
    const alias = findKey(input, entry, kmsAliasRegion(entry, input.clone.region));
    if (alias?.arn === keyArn) return true;
    if (alias?.arn === undefined) unresolved.push(`${entry} (${alias?.unknown ?? 'not resolved'})`);
  }
  if (unresolved.length === 0) return false;
  return `${keyArn} matched no key ARN in kmsKeys, and these aliases could not be resolved: ${unresolved.join(', ')}`;
}

function findKey(input: RuleInput, ref: string, region: string): KmsKeyFact | undefined {
  return input.facts.kmsKeys?.find((key) => key.ref === ref && key.region === region);
}

import { describe, expect, it } from 'vitest';
import type { DiskEncryption, KmsKeyFact } from '../../shared/model/types.js';
import { PolicySchema } from '../../shared/policy/schema.js';
import { requiredEncryptionRule } from '../../shared/rules/required-encryption.js';
import { ruleInput } from '../support/rule-input.js';

const CMK = 'arn:aws:kms:us-east-1:111122223333:key/1111aaaa-2222-3333-4444-555566667777';
const AWS_EBS_KEY = 'arn:aws:kms:us-east-1:111122223333:key/9999bbbb-2222-3333-4444-555566667777';
const FOREIGN_KEY = 'arn:aws:kms:us-east-1:444455556666:key/2222cccc-2222-3333-4444-555566667777';

const disk = (overrides: Partial<DiskEncryption> = {}): DiskEncryption => ({
  snapshotId: 'snap-0fffffffffffffff1',
  encrypted: true,
  kmsKeyId: CMK,
  ...overrides,
});

/** The image clone of `ruleInput`, with these disks and these described keys. */
const imageWith = (disks: DiskEncryption[] | undefined, kmsKeys?: KmsKeyFact[]) =>
  ruleInput({
    clone: { ...(disks ? { encryption: disks } : {}) },
    ...(kmsKeys ? { facts: { kmsKeys } } : {}),
  });

const plain = { customerManaged: false };

describe('Rule: required-encryption', () => {
  it('passes an image whose every disk is encrypted', () => {
    // Act
    const outcome = requiredEncryptionRule.evaluate(
      plain,
      imageWith([disk(), disk({ snapshotId: 'snap-02' })]),
    );

    // Assess
    expect(outcome).toEqual({ violations: [] });
  });

  it('flags each unencrypted disk of an image, naming the image', () => {
    // Act
    const outcome = requiredEncryptionRule.evaluate(
      plain,
      imageWith([disk(), disk({ snapshotId: 'snap-02', encrypted: false, kmsKeyId: undefined })]),
    );

    // Assess
    expect(outcome).toEqual({ violations: ['snap-02 (disk of ami-0fffffffffffffff1) is not encrypted'] });
  });

  it('flags an unencrypted snapshot by its own id', () => {
    // Prepare
    const id = 'snap-0aaaaaaaaaaaaaaa9';
    const input = ruleInput({
      clone: {
        kind: 'snapshot',
        id,
        backingSnapshotIds: [],
        encryption: [{ snapshotId: id, encrypted: false }],
      },
    });

    // Act
    const outcome = requiredEncryptionRule.evaluate(plain, input);

    // Assess
    expect(outcome).toEqual({ violations: [`${id} is not encrypted`] });
  });

  it.each([
    {
      case: 'encryption was not read',
      disks: undefined,
      message: 'encryption of ami-0fffffffffffffff1 was not read',
    },
    { case: 'the image has no EBS snapshot', disks: [], message: 'has no EBS snapshots' },
  ])('names an unknown, not a violation, when $case', ({ disks, message }) => {
    // Act
    const outcome = requiredEncryptionRule.evaluate(plain, imageWith(disks));

    // Assess
    expect(outcome.violations).toEqual([]);
    expect(outcome.unknowns).toEqual([expect.stringContaining(message)]);
  });

  it('accepts a key matched by an ARN glob and refuses one that is not listed', () => {
    // Prepare
    const opts = { customerManaged: false, kmsKeys: ['arn:aws:kms:*:111122223333:key/*'] };

    // Act
    const listed = requiredEncryptionRule.evaluate(opts, imageWith([disk()]));
    const foreign = requiredEncryptionRule.evaluate(opts, imageWith([disk({ kmsKeyId: FOREIGN_KEY })]));

    // Assess
    expect(listed).toEqual({ violations: [] });
    expect(foreign).toEqual({
      violations: [
        `snap-0fffffffffffffff1 (disk of ami-0fffffffffffffff1) is encrypted with ${FOREIGN_KEY}, which is not in kmsKeys`,
      ],
    });
  });

  it('accepts a key that a listed alias resolves to, in the clone region', () => {
    // Prepare
    const opts = { customerManaged: false, kmsKeys: ['alias/clone-key'] };
    const keys: KmsKeyFact[] = [
      { ref: 'alias/clone-key', region: 'us-east-1', arn: CMK, keyManager: 'CUSTOMER' },
    ];

    // Act
    const same = requiredEncryptionRule.evaluate(opts, imageWith([disk()], keys));
    const other = requiredEncryptionRule.evaluate(opts, imageWith([disk({ kmsKeyId: FOREIGN_KEY })], keys));

    // Assess
    expect(same).toEqual({ violations: [] });
    expect(other.violations).toEqual([expect.stringContaining('which is not in kmsKeys')]);
  });

  it('names an unknown when an alias could not be resolved and no glob matched', () => {
    // Prepare
    const opts = { customerManaged: false, kmsKeys: ['alias/clone-key'] };
    const keys: KmsKeyFact[] = [
      {
        ref: 'alias/clone-key',
        region: 'us-east-1',
        unknown: 'KMS DescribeKey failed: AccessDeniedException: no',
      },
    ];

    // Act
    const outcome = requiredEncryptionRule.evaluate(opts, imageWith([disk()], keys));

    // Assess
    expect(outcome.violations).toEqual([]);
    expect(outcome.unknowns).toEqual([
      expect.stringContaining('alias/clone-key (KMS DescribeKey failed: AccessDeniedException'),
    ]);
  });

  it('refuses the AWS managed key when customer-managed keys are required', () => {
    // Prepare
    const keys: KmsKeyFact[] = [
      { ref: AWS_EBS_KEY, region: 'us-east-1', arn: AWS_EBS_KEY, keyManager: 'AWS' },
    ];

    // Act
    const outcome = requiredEncryptionRule.evaluate(
      { customerManaged: true },
      imageWith([disk({ kmsKeyId: AWS_EBS_KEY })], keys),
    );

    // Assess
    expect(outcome.violations).toEqual([expect.stringContaining('an AWS managed key (such as aws/ebs)')]);
  });

  it('passes a customer-managed key, and names an unknown for a key that could not be described', () => {
    // Prepare
    const keys: KmsKeyFact[] = [
      { ref: CMK, region: 'us-east-1', arn: CMK, keyManager: 'CUSTOMER' },
      { ref: FOREIGN_KEY, region: 'us-east-1', unknown: 'KMS DescribeKey failed: AccessDeniedException: no' },
    ];

    // Act
    const customer = requiredEncryptionRule.evaluate({ customerManaged: true }, imageWith([disk()], keys));
    const hidden = requiredEncryptionRule.evaluate(
      { customerManaged: true },
      imageWith([disk({ kmsKeyId: FOREIGN_KEY })], keys),
    );

    // Assess
    expect(customer).toEqual({ violations: [] });
    expect(hidden.violations).toEqual([]);
    expect(hidden.unknowns).toEqual([
      expect.stringContaining('is unknown (KMS DescribeKey failed: AccessDenied'),
    ]);
  });

  it('names an unknown when an encrypted disk does not report its key and keys are judged', () => {
    // Act
    const outcome = requiredEncryptionRule.evaluate(
      { customerManaged: true },
      imageWith([disk({ kmsKeyId: undefined })]),
    );

    // Assess
    expect(outcome).toEqual({
      violations: [],
      unknowns: [expect.stringContaining('EC2 did not report its KMS key')],
    });
  });

  it('asks for disk encryption always, KMS only for customerManaged or aliases', () => {
    // Act
    const bare = requiredEncryptionRule.needs?.({ customerManaged: false });
    const globs = requiredEncryptionRule.needs?.({
      customerManaged: false,
      kmsKeys: ['arn:aws:kms:*:1:key/*'],
    });
    const full = requiredEncryptionRule.needs?.({
      customerManaged: true,
      kmsKeys: ['alias/a', 'arn:aws:kms:*:1:key/*'],
    });

    // Assess
    expect(bare).toEqual({ diskEncryption: true, kmsKeyManager: false, kmsAliases: [] });
    expect(globs).toEqual({ diskEncryption: true, kmsKeyManager: false, kmsAliases: [] });
    expect(full).toEqual({ diskEncryption: true, kmsKeyManager: true, kmsAliases: ['alias/a'] });
  });

  it.each(['*', 'alias/backup-*', 'key/1234', 'arn:aws:iam::1:role/x'])(
    'rejects the kmsKeys entry %s',
    (entry) => {
      // Act
      const result = PolicySchema.safeParse({
        version: 1,
        rules: [
          { id: 'enc', type: 'required-encryption', severity: 'high', action: 'tag', kmsKeys: [entry] },
        ],
      });

      // Assess
      expect(result.success).toBe(false);
      expect(JSON.stringify(result.error?.issues)).toContain('expected a KMS key ARN glob');
    },
  );

  it('names CopyImage/CopySnapshot with Encrypted=true and KmsKeyId in its fix hint', () => {
    // Act
    const hint = requiredEncryptionRule.fixHint('ami-0fffffffffffffff1');

    // Assess
    expect(hint).toContain('CopyImage or CopySnapshot with Encrypted=true and KmsKeyId=');
    expect(hint).toContain('ami-0fffffffffffffff1');
  });
});

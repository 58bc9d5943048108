import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import * as z from 'zod';
import { LinkSignerUnavailableError } from '../model/errors.js';
import { awsErrorName } from './aws-error.js';
import type { AwsClients } from './clients.js';

/** Where an operator reads how to set the link signer up. */
const HOW_TO = 'docs/audit.md, "A link that lives 7 days"';

/**
 * What the parameter holds: an IAM user's long-term access key. IAM access key ids are 16 to 128
 * word characters (IAM API reference, AccessKey); long-term ones start AKIA, temporary ones ASIA.
 */
const SIGNER_KEY = z.object({
  accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/),
  secretAccessKey: z.string().min(1),
});

/** Something that gives an S3 client signing with the report link signer's key. */
export interface ReportLinkSigner {
  /**
   * An S3 client that signs with the signer's key, checked first: the key is an IAM user's of
   * this account, active, and can read `bucket/key` (presigning calls no AWS, so a dead or wrong
   * key would otherwise give a link that answers 403 while the alert promises 7 days).
   * @throws {LinkSignerUnavailableError} when the key cannot be read, is not a key, or fails a check.
   */
  s3For(bucket: string, key: string): Promise<S3Client>;
}

/** Why GetParameter failed, and the fix, by the SDK error's name; other names are passing faults. */
const READ_FAILURES = new Map<string, (name: string) => [reason: string, fix: string]>([
  [
    'ParameterNotFound',
    (name) => [
      'the parameter does not exist',
      `create it: aws ssm put-parameter --type SecureString --name ${name} --value '{"accessKeyId":"…","secretAccessKey":"…"}' (${HOW_TO})`,
    ],
  ],
  [
    'AccessDeniedException',
    (name) => [
      'the audit role may not read the parameter',
      `deploy with --param="auditLinkSignerParameter=${name.replace(/^\//, '')}", which grants the audit role ssm:GetParameter on it; a customer managed KMS key must also allow the role kms:Decrypt (${HOW_TO})`,
    ],
  ],
]);

/** An IAM user's ARN, with its account: `arn:aws:iam::123456789012:user/path/name`. */
const USER_ARN = /^arn:[\w-]+:iam::(\d{12}):user\//;
const USE_THE_STACKS_USER = `put an active access key of the user the stack created (its output AuditLinkSignerUserName) in the parameter (${HOW_TO})`;

/**
 * The report link signer of the scheduled audit, whose key lives in an SSM SecureString
 * (`CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER`). The parameter is read, decrypted, on every run (the
 * audit runs weekly), so that a rotated key is used at once; the key is checked before it signs.
 */
export class SsmReportLinkSigner implements ReportLinkSigner {
  readonly #aws: AwsClients;
  readonly parameterName: string;

  constructor(aws: AwsClients, parameterName: string) {
    this.#aws = aws;
    this.parameterName = parameterName;
  }

  async s3For(bucket: string, key: string): Promise<S3Client> {
    const signerKey = await this.#readKey();
    await this.#checkOwner(signerKey);
    const s3 = await this.#aws.s3SignedWith(signerKey);
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      throw this.#unavailable(
        `the key cannot read the report it would sign for (${errorName(error)}): it is inactive, its secret is wrong, or its user may not s3:GetObject under audits/`,
        USE_THE_STACKS_USER,
        { cause: error },
      );
    }
    return s3;
  }

  /**
   * Whose key it is: an IAM user of the audit's own account, never a root key or another
   * account's (GetCallerIdentity needs no permission; "GetCallerIdentity", STS API reference).
   * It cannot tell that user's other permissions: the stack's user may only read reports.
   */
  async #checkOwner(signerKey: z.infer<typeof SIGNER_KEY>): Promise<void> {
    let signerArn: string | undefined;
    try {
      signerArn = (await (await this.#aws.stsSignedWith(signerKey)).send(new GetCallerIdentityCommand({})))
        .Arn;
    } catch (error) {
      throw this.#unavailable(
        `AWS does not accept the key (${errorName(error)}): it is inactive or deleted, or its secret is wrong`,
        USE_THE_STACKS_USER,
        { cause: error },
      );
    }
    const own = await (await this.#aws.sts()).send(new GetCallerIdentityCommand({}));
    const account = USER_ARN.exec(signerArn ?? '')?.[1];
    if (account === undefined || account !== own.Account) {
      throw this.#unavailable(
        `the key is ${signerArn ?? 'of no known identity'}'s, not an IAM user's of this account (${own.Account ?? 'unknown'})`,
        USE_THE_STACKS_USER,
      );
    }
  }

  #unavailable(reason: string, fix: string, options?: ErrorOptions): LinkSignerUnavailableError {
    return new LinkSignerUnavailableError(this.parameterName, reason, fix, options);
  }

  async #readKey(): Promise<z.infer<typeof SIGNER_KEY>> {
    const name = this.parameterName;
    const unavailable = this.#unavailable.bind(this);
    let parameter: { Type?: string; Value?: string } | undefined;
    try {
      const ssm = await this.#aws.ssm();
      ({ Parameter: parameter } = await ssm.send(
        new GetParameterCommand({ Name: name, WithDecryption: true }),
      ));
    } catch (error) {
      const [reason, fix] = READ_FAILURES.get(errorName(error))?.(name) ?? [
        `reading the parameter failed (${errorName(error)})`,
        'the next run reads it again; if it keeps failing, check that the parameter and its KMS key are readable by the audit role',
      ];
      throw unavailable(reason, fix, { cause: error });
    }
    const keyShape = `{"accessKeyId":"AKIA…","secretAccessKey":"…"}`;
    if (parameter?.Type !== 'SecureString') {
      throw unavailable(
        `the parameter is a ${parameter?.Type ?? 'parameter of no type'}, not a SecureString`,
        `store the key encrypted: aws ssm put-parameter --overwrite --type SecureString --name ${name} --value '${keyShape}', with a new access key if this one was kept in clear (${HOW_TO})`,
      );
    }
    // No `cause` from here on: JSON.parse's message quotes the text it failed on, the secret.
    const key = SIGNER_KEY.safeParse(parseJson(parameter.Value ?? ''));
    if (!key.success) {
      throw unavailable(
        'the parameter does not hold an access key as JSON',
        `put the link signer user's access key in it as ${keyShape} (${HOW_TO})`,
      );
    }
    if (key.data.accessKeyId.startsWith('ASIA')) {
      throw unavailable(
        'the parameter holds temporary credentials (ASIA…), which die within hours and need a session token',
        `put a long-term access key (AKIA…) of the link signer user in it (${HOW_TO})`,
      );
    }
    return key.data;
  }
}

/** The SDK error's name, bounded: an AWS error name, never a message that could quote input. */
function errorName(error: unknown): string {
  return (awsErrorName(error) ?? 'Error').slice(0, 60);
}

/** The value as JSON, or undefined: never an error that could carry the text into a log. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

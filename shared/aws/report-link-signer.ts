import type { S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import * as z from 'zod';
import { LinkSignerUnavailableError } from '../model/errors.js';
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
  /** @throws {LinkSignerUnavailableError} when the key cannot be read or is not a key. */
  s3(): Promise<S3Client>;
}

/** Why GetParameter failed, and the fix, by the SDK error's name; other names are passing faults. */
const READ_FAILURES: Record<string, (name: string) => [reason: string, fix: string]> = {
  ParameterNotFound: (name) => [
    'the parameter does not exist',
    `create it: aws ssm put-parameter --type SecureString --name ${name} --value '{"accessKeyId":"…","secretAccessKey":"…"}' (${HOW_TO})`,
  ],
  AccessDeniedException: (name) => [
    'the audit role may not read the parameter',
    `deploy with --param="auditLinkSignerParameter=${name.replace(/^\//, '')}", which grants the audit role ssm:GetParameter on it; a customer managed KMS key must also allow the role kms:Decrypt (${HOW_TO})`,
  ],
};

/**
 * The report link signer of the scheduled audit, whose key lives in an SSM SecureString
 * (`CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER`). The parameter is read, decrypted, once per
 * container, on first use; a failed read is not kept, so the next run reads again.
 */
export class SsmReportLinkSigner implements ReportLinkSigner {
  readonly #aws: AwsClients;
  readonly parameterName: string;
  #client: Promise<S3Client> | undefined;

  constructor(aws: AwsClients, parameterName: string) {
    this.#aws = aws;
    this.parameterName = parameterName;
  }

  s3(): Promise<S3Client> {
    if (!this.#client) {
      const loading = this.#readKey().then((key) => this.#aws.s3SignedWith(key));
      this.#client = loading;
      loading.catch(() => {
        if (this.#client === loading) this.#client = undefined;
      });
    }
    return this.#client;
  }

  async #readKey(): Promise<z.infer<typeof SIGNER_KEY>> {
    const name = this.parameterName;
    const unavailable = (reason: string, fix: string, options?: ErrorOptions) =>
      new LinkSignerUnavailableError(name, reason, fix, options);
    let parameter: { Type?: string; Value?: string } | undefined;
    try {
      const ssm = await this.#aws.ssm();
      ({ Parameter: parameter } = await ssm.send(
        new GetParameterCommand({ Name: name, WithDecryption: true }),
      ));
    } catch (error) {
      const errorName = error instanceof Error ? error.name : 'Error';
      const [reason, fix] = READ_FAILURES[errorName]?.(name) ?? [
        `reading the parameter failed (${errorName.slice(0, 60)})`,
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

/** The value as JSON, or undefined: never an error that could carry the text into a log. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

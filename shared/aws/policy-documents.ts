import { PolicyValidationError } from '../model/errors.js';
import type { PolicyLocation } from '../settings/environment.js';
import { describeError } from './aws-error.js';
import type { AwsClients } from './clients.js';

/** The policy's text as stored, with the store's version of it. */
export interface PolicyDocument {
  text: string;
  /** The S3 object's ETag or the SSM parameter's version: a new value means a new policy. */
  version: string;
}

/** Reads the policy's text where it is kept: the enforcer's only view of the S3 object or parameter. */
export interface PolicyDocumentReader {
  /** Where, for messages: `s3://bucket/key` or `ssm:/name`. */
  readonly origin: string;
  read(): Promise<PolicyDocument>;
}

/** A policy is a page or two of YAML; a bigger object is a mistake, not a policy to parse. */
export const POLICY_MAX_BYTES = 1024 * 1024;

/** The policy in an S3 object: GetObject on exactly the configured bucket and key. */
class S3PolicyDocument implements PolicyDocumentReader {
  readonly origin: string;
  readonly #aws: AwsClients;
  readonly #bucket: string;
  readonly #key: string;

  constructor(aws: AwsClients, bucket: string, key: string) {
    this.#aws = aws;
    this.#bucket = bucket;
    this.#key = key;
    this.origin = `s3://${bucket}/${key}`;
  }

  async read(): Promise<PolicyDocument> {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const client = await this.#aws.s3();
    const object = await client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key }));
    if ((object.ContentLength ?? 0) > POLICY_MAX_BYTES) {
      object.Body?.transformToWebStream().cancel();
      throw tooBig(this.origin, object.ContentLength ?? 0);
    }
    const text = (await object.Body?.transformToString('utf-8')) ?? '';
    // The ETag changes with every PUT; the version id too, when the bucket keeps versions.
    return { text, version: object.ETag ?? object.VersionId ?? text };
  }
}

/** The policy in an SSM parameter (String or SecureString): GetParameter on exactly that name. */
class SsmPolicyDocument implements PolicyDocumentReader {
  readonly origin: string;
  readonly #aws: AwsClients;
  readonly #name: string;

  constructor(aws: AwsClients, name: string) {
    this.#aws = aws;
    this.#name = name;
    this.origin = `ssm:${name}`;
  }

  async read(): Promise<PolicyDocument> {
    const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
    const client = await this.#aws.ssm();
    // WithDecryption is ignored for String parameters and needed for SecureString ones (GetParameter, SSM API reference).
    const { Parameter } = await client.send(
      new GetParameterCommand({ Name: this.#name, WithDecryption: true }),
    );
    const text = Parameter?.Value ?? '';
    return { text, version: String(Parameter?.Version ?? text) };
  }
}

function tooBig(origin: string, bytes: number): PolicyValidationError {
  return new PolicyValidationError(`${origin} is not a policy: ${bytes} bytes`, [
    `(top level): the policy is ${bytes} bytes; clonewarden reads at most ${POLICY_MAX_BYTES}`,
  ]);
}

/** The reader of an S3 or SSM policy location. */
export function policyDocumentReader(
  aws: AwsClients,
  location: Exclude<PolicyLocation, { kind: 'file' }>,
): PolicyDocumentReader {
  return location.kind === 's3'
    ? new S3PolicyDocument(aws, location.bucket, location.key)
    : new SsmPolicyDocument(aws, location.name);
}

/** A read that failed, as the error a missing policy file gives: where, what, and how to fix it. */
export function policyReadError(origin: string, error: unknown): PolicyValidationError {
  return new PolicyValidationError(
    `cannot read the policy at ${origin} (${describeError(error)}); check CLONEWARDEN_POLICY and that the function may read it`,
    [],
    { cause: error },
  );
}

import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { LinkSignerUnavailableError } from '../model/errors.js';
import type { AwsClients } from './clients.js';
import type { ReportLinkSigner } from './report-link-signer.js';

/** The longest a SigV4 presigned URL may live: 7 days ("Sharing objects with presigned URLs"). */
export const MAX_PRESIGN_SECONDS = 604_800;

/** A download link and the moment it really stops working. */
export interface ReportLink {
  url: string;
  expiresAt: Date;
  /**
   * True when the signing credentials expire before the asked-for lifetime. A presigned URL
   * "expires when the credentials you used to create it expire, even if the URL was created
   * with a later expiration time" (S3 user guide, "Sharing objects with presigned URLs"): a
   * Lambda role's session lasts hours, not 7 days.
   */
  cappedByCredentials: boolean;
  /**
   * Whose key signed it: the link signer's (an IAM user's long-term key, which lets the link
   * live the whole 7 days), or the caller's own credentials (the function's role session).
   */
  signedBy: 'link-signer' | 'caller';
  /** Why a configured link signer was not used (`LinkSignerUnavailableError`'s message). */
  signerProblem?: string;
}

/** Where the scheduled audit keeps its reports. */
export interface ReportStore {
  readonly bucket: string;
  put(key: string, body: string, contentType: string): Promise<void>;
  /** A GET link to `key`, valid for `seconds` or until the signing credentials expire. */
  link(key: string, seconds: number, now: Date): Promise<ReportLink>;
}

/**
 * The report bucket. With a link signer, links are signed with its key; when that key cannot be
 * had, with the caller's credentials, and the link says why.
 */
export class S3ReportStore implements ReportStore {
  readonly #aws: AwsClients;
  readonly #linkSigner: ReportLinkSigner | undefined;
  readonly bucket: string;

  constructor(aws: AwsClients, bucket: string, linkSigner?: ReportLinkSigner) {
    this.#aws = aws;
    this.bucket = bucket;
    this.#linkSigner = linkSigner;
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    const s3 = await this.#aws.s3();
    // The bucket's default encryption (SSE-S3) applies; the header makes the request say so too.
    await s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ServerSideEncryption: 'AES256',
      }),
    );
  }

  async link(key: string, seconds: number, now: Date): Promise<ReportLink> {
    if (!this.#linkSigner) return this.#sign(await this.#aws.s3(), 'caller', key, seconds, now);
    try {
      return await this.#sign(
        await this.#linkSigner.s3For(this.bucket, key),
        'link-signer',
        key,
        seconds,
        now,
      );
    } catch (error) {
      if (!(error instanceof LinkSignerUnavailableError)) throw error;
      const link = await this.#sign(await this.#aws.s3(), 'caller', key, seconds, now);
      return { ...link, signerProblem: error.message };
    }
  }

  async #sign(
    s3: S3Client,
    signedBy: ReportLink['signedBy'],
    key: string,
    seconds: number,
    now: Date,
  ): Promise<ReportLink> {
    const wanted = Math.min(seconds, MAX_PRESIGN_SECONDS);
    const credentials = await s3.config.credentials();
    const left = credentials.expiration
      ? Math.floor((credentials.expiration.getTime() - now.getTime()) / 1000)
      : Number.POSITIVE_INFINITY;
    // Signed for no longer than the credentials live, so that the URL's own expiry is the truth.
    const expiresIn = Math.max(1, Math.min(wanted, left));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn,
    });
    return {
      url,
      expiresAt: new Date(now.getTime() + expiresIn * 1000),
      cappedByCredentials: left < wanted,
      signedBy,
    };
  }
}

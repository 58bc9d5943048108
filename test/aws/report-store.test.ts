import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import type { ReportLinkSigner } from '../../shared/aws/report-link-signer.js';
import { MAX_PRESIGN_SECONDS, S3ReportStore } from '../../shared/aws/report-store.js';
import { LinkSignerUnavailableError } from '../../shared/model/errors.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const s3Mock = mockClient(S3Client);
afterEach(() => s3Mock.reset());

/** A store whose client signs with the given credentials. */
async function storeWith(expiration?: Date, linkSigner?: ReportLinkSigner) {
  const aws = createAwsClients({ region: 'eu-west-1' });
  const s3 = await aws.s3();
  s3.config.credentials = async () => ({
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'secret',
    ...(expiration ? { sessionToken: 'session', expiration } : {}),
  });
  return new S3ReportStore(aws, 'reports-bucket', linkSigner);
}

/** A link signer whose key is the IAM user's (no expiry), built as the real one is. */
const workingSigner = (): ReportLinkSigner => {
  const aws = createAwsClients({ region: 'eu-west-1' });
  return {
    s3For: () => aws.s3SignedWith({ accessKeyId: 'AKIASIGNEREXAMPLE123', secretAccessKey: 'signer' }),
  };
};
const SESSION_3H = new Date(NOW.getTime() + 3 * 3_600_000);
const credentialOf = (url: string) => new URL(url).searchParams.get('X-Amz-Credential') ?? '';

const expiresParameter = (url: string) => Number(new URL(url).searchParams.get('X-Amz-Expires'));

describe('S3ReportStore', () => {
  it('signs for 7 days with long-term credentials', async () => {
    // Prepare
    const store = await storeWith();

    // Act
    const link = await store.link('audits/a.html', 7 * 86_400, NOW);

    // Assess
    expect(expiresParameter(link.url)).toBe(MAX_PRESIGN_SECONDS);
    expect(link).toMatchObject({
      cappedByCredentials: false,
      expiresAt: new Date(NOW.getTime() + MAX_PRESIGN_SECONDS * 1000),
    });
    expect(link.url).toContain('audits/a.html');
  });

  it('says when a role session cuts the link short, and signs for no longer than the session', async () => {
    // Prepare: a Lambda role session with 3 hours left.
    const store = await storeWith(new Date(NOW.getTime() + 3 * 3_600_000));

    // Act
    const link = await store.link('audits/a.html', 7 * 86_400, NOW);

    // Assess
    expect(link.cappedByCredentials).toBe(true);
    expect(expiresParameter(link.url)).toBe(3 * 3_600);
    expect(link.expiresAt).toEqual(new Date(NOW.getTime() + 3 * 3_600_000));
  });

  it('writes reports encrypted with their content type', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).resolves({});
    const store = await storeWith();

    // Act
    await store.put('audits/a.json', '{}', 'application/json');

    // Assess
    expect(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'reports-bucket',
      Key: 'audits/a.json',
      Body: '{}',
      ContentType: 'application/json',
      ServerSideEncryption: 'AES256',
    });
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('signs with its own credentials when no link signer is configured, as before', async () => {
    // Prepare
    const store = await storeWith(SESSION_3H);

    // Act
    const link = await store.link('audits/a.html', 7 * 86_400, NOW);

    // Assess
    expect(link).toMatchObject({ signedBy: 'caller', cappedByCredentials: true });
    expect(link).not.toHaveProperty('signerProblem');
    expect(credentialOf(link.url)).toMatch(/^AKIDEXAMPLE\//);
  });

  it("signs with the link signer's key for the whole 7 days, however short the role session", async () => {
    // Prepare
    const store = await storeWith(SESSION_3H, workingSigner());

    // Act
    const link = await store.link('audits/a.html', 7 * 86_400, NOW);

    // Assess
    expect(credentialOf(link.url)).toMatch(/^AKIASIGNEREXAMPLE123\//);
    expect(expiresParameter(link.url)).toBe(MAX_PRESIGN_SECONDS);
    expect(link).toMatchObject({
      signedBy: 'link-signer',
      cappedByCredentials: false,
      expiresAt: new Date(NOW.getTime() + MAX_PRESIGN_SECONDS * 1000),
    });
  });

  it('falls back to its own credentials when the link signer is unavailable, and says why', async () => {
    // Prepare
    const problem = new LinkSignerUnavailableError('/p', 'the parameter does not exist', 'create it');
    const store = await storeWith(SESSION_3H, { s3For: () => Promise.reject(problem) });

    // Act
    const link = await store.link('audits/a.html', 7 * 86_400, NOW);

    // Assess
    expect(link).toMatchObject({
      signedBy: 'caller',
      cappedByCredentials: true,
      signerProblem: problem.message,
    });
    expect(expiresParameter(link.url)).toBe(3 * 3_600);
    expect(credentialOf(link.url)).toMatch(/^AKIDEXAMPLE\//);
  });

  it('lets any other failure of the link signer through', async () => {
    // Prepare
    const store = await storeWith(undefined, { s3For: () => Promise.reject(new TypeError('bug')) });

    // Act, Assess
    await expect(store.link('audits/a.html', 7 * 86_400, NOW)).rejects.toThrow(TypeError);
  });
});

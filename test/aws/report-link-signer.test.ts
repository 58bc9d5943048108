import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import {
  GetParameterCommand,
  type GetParameterCommandOutput,
  ParameterNotFound,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { SsmReportLinkSigner } from '../../shared/aws/report-link-signer.js';
import { LinkSignerUnavailableError } from '../../shared/model/errors.js';

const PARAMETER = '/clonewarden/prod/audit-link-signer';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const ACCOUNT = '123456789012';
const SIGNER_ARN = `arn:aws:iam::${ACCOUNT}:user/clonewarden-prod-eu-west-1-report-link`;
const ROLE_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/clonewarden-prod-audit/clonewarden-prod-audit`;
const BUCKET = 'reports-bucket';
const REPORT = 'audits/2026/06/01/clonewarden-audit.html';
const ssmMock = mockClient(SSMClient);
const stsMock = mockClient(STSClient);
const s3Mock = mockClient(S3Client);
afterEach(() => {
  ssmMock.reset();
  stsMock.reset();
  s3Mock.reset();
});

/**
 * STS answers by the key a client signs with: the signer's key is `signerArn`'s, any other key
 * (the function's role) is the audit role's session.
 */
function identities(signerArn = SIGNER_ARN) {
  stsMock.on(GetCallerIdentityCommand).callsFake(async (_input, getClient) => {
    // The function's own client has no credentials here (none in a unit test's environment).
    const signedWith = await getClient()
      .config.credentials()
      .then(
        ({ accessKeyId }) => accessKeyId,
        () => 'the role',
      );
    return { Account: ACCOUNT, Arn: signedWith === KEY_ID ? signerArn : ROLE_ARN };
  });
  s3Mock.on(HeadObjectCommand).resolves({});
}

const signer = () => new SsmReportLinkSigner(createAwsClients({ region: 'eu-west-1' }), PARAMETER);
const secureString = (value: string): GetParameterCommandOutput => ({
  Parameter: { Name: PARAMETER, Type: 'SecureString', Value: value },
  $metadata: {},
});

/** The error `s3()` rejects with. */
async function failureOf(linkSigner: SsmReportLinkSigner): Promise<LinkSignerUnavailableError> {
  const error = await linkSigner.s3For(BUCKET, REPORT).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LinkSignerUnavailableError);
  return error as LinkSignerUnavailableError;
}

describe('SsmReportLinkSigner', () => {
  it('reads the SecureString decrypted on every run, checks the key, and signs with it', async () => {
    // Prepare
    ssmMock
      .on(GetParameterCommand)
      .resolves(secureString(JSON.stringify({ accessKeyId: KEY_ID, secretAccessKey: SECRET })));
    identities();
    const linkSigner = signer();

    // Act
    const first = await linkSigner.s3For(BUCKET, REPORT);
    await linkSigner.s3For(BUCKET, REPORT);

    // Assess: read twice (a rotated key is used at once), its owner asked, the report readable with it.
    expect(ssmMock.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([
      { Name: PARAMETER, WithDecryption: true },
      { Name: PARAMETER, WithDecryption: true },
    ]);
    expect(stsMock.commandCalls(GetCallerIdentityCommand)).toHaveLength(4);
    expect(s3Mock.commandCalls(HeadObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: REPORT },
      { Bucket: BUCKET, Key: REPORT },
    ]);
    const credentials = await first.config.credentials();
    expect(credentials).toMatchObject({ accessKeyId: KEY_ID, secretAccessKey: SECRET });
    expect(credentials.expiration).toBeUndefined();
  });

  it.each([
    { case: "another account's user", arn: 'arn:aws:iam::999988887777:user/someone' },
    { case: "the account's root key", arn: `arn:aws:iam::${ACCOUNT}:root` },
    { case: 'a role session', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice` },
  ])('refuses a key that is $case, naming whose it is', async ({ arn }) => {
    // Prepare
    ssmMock
      .on(GetParameterCommand)
      .resolves(secureString(JSON.stringify({ accessKeyId: KEY_ID, secretAccessKey: SECRET })));
    identities(arn);

    // Act
    const error = await failureOf(signer());

    // Assess
    expect(error.message).toContain(`the key is ${arn}'s, not an IAM user's of this account (${ACCOUNT})`);
    expect(error.message).toContain('AuditLinkSignerUserName');
    expect(error.message).not.toContain(SECRET);
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });

  it('refuses a key AWS does not accept, and one that cannot read the report', async () => {
    // Prepare
    ssmMock
      .on(GetParameterCommand)
      .resolves(secureString(JSON.stringify({ accessKeyId: KEY_ID, secretAccessKey: SECRET })));
    const invalid = Object.assign(new Error('The security token included in the request is invalid.'), {
      name: 'InvalidClientTokenId',
    });
    stsMock.on(GetCallerIdentityCommand).rejectsOnce(invalid);
    const dead = await failureOf(signer());
    identities();
    s3Mock
      .on(HeadObjectCommand)
      .rejects(new NotFound({ message: 'Forbidden', $metadata: { httpStatusCode: 403 } }));

    // Act
    const unreadable = await failureOf(signer());

    // Assess
    expect(dead.message).toContain('AWS does not accept the key (InvalidClientTokenId)');
    expect(unreadable.message).toContain('the key cannot read the report it would sign for (NotFound)');
    expect(`${dead.message}${unreadable.message}`).not.toContain(SECRET);
  });

  it('names the setting and how to create the parameter when it is missing, and reads again next time', async () => {
    // Prepare
    ssmMock
      .on(GetParameterCommand)
      .rejectsOnce(new ParameterNotFound({ message: 'not found', $metadata: {} }))
      .resolves(secureString(JSON.stringify({ accessKeyId: KEY_ID, secretAccessKey: SECRET })));
    const linkSigner = signer();

    identities();

    // Act
    const error = await failureOf(linkSigner);
    const later = await linkSigner.s3For(BUCKET, REPORT);

    // Assess
    expect(error.message).toMatch(
      /^CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER=\/clonewarden\/prod\/audit-link-signer: the parameter does not exist; fix: create it: aws ssm put-parameter --type SecureString --name \/clonewarden\/prod\/audit-link-signer /,
    );
    expect(error.cause).toBeInstanceOf(ParameterNotFound);
    expect((await later.config.credentials()).accessKeyId).toBe(KEY_ID);
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('says which deploy parameter grants the read when the role is denied', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    ssmMock.on(GetParameterCommand).rejects(denied);

    // Act
    const error = await failureOf(signer());

    // Assess
    expect(error.message).toContain('the audit role may not read the parameter');
    expect(error.message).toContain('--param="auditLinkSignerParameter=clonewarden/prod/audit-link-signer"');
  });

  it.each([
    { case: 'not JSON', value: `${KEY_ID}:${SECRET}` },
    { case: 'no secret', value: JSON.stringify({ accessKeyId: KEY_ID }) },
    {
      case: 'a key id that is no key id',
      value: JSON.stringify({ accessKeyId: 'x', secretAccessKey: SECRET }),
    },
  ])('refuses a malformed value ($case), naming the shape, and never quotes the value', async ({ value }) => {
    // Prepare
    ssmMock.on(GetParameterCommand).resolves(secureString(value));

    // Act
    const error = await failureOf(signer());

    // Assess
    expect(error.message).toContain('the parameter does not hold an access key as JSON');
    expect(error.message).toContain('{"accessKeyId":"AKIA…","secretAccessKey":"…"}');
    expect(error.message).not.toContain(SECRET);
    expect(error.cause).toBeUndefined();
  });

  it('refuses a key kept in a plain String parameter, and temporary credentials', async () => {
    // Prepare
    const key = JSON.stringify({ accessKeyId: KEY_ID, secretAccessKey: SECRET });
    const temporary = JSON.stringify({ accessKeyId: 'ASIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET });
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Name: PARAMETER, Type: 'String' as const, Value: key } })
      .resolves(secureString(temporary));

    // Act
    const plain = await failureOf(signer());
    const session = await failureOf(signer());

    // Assess
    expect(plain.message).toContain('the parameter is a String, not a SecureString');
    expect(session.message).toContain('temporary credentials (ASIA…)');
    expect(`${plain.message}${session.message}`).not.toContain(SECRET);
  });
});

import {
  GetParameterCommand,
  type GetParameterCommandOutput,
  ParameterNotFound,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { SsmReportLinkSigner } from '../../shared/aws/report-link-signer.js';
import { LinkSignerUnavailableError } from '../../shared/model/errors.js';

const PARAMETER = '/clonewarden/prod/audit-link-signer';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const ssmMock = mockClient(SSMClient);
afterEach(() => ssmMock.reset());

const signer = () => new SsmReportLinkSigner(createAwsClients({ region: 'eu-west-1' }), PARAMETER);
const secureString = (value: string): GetParameterCommandOutput => ({
  Parameter: { Name: PARAMETER, Type: 'SecureString', Value: value },
  $metadata: {},
});

/** The error `s3()` rejects with. */
async function failureOf(linkSigner: SsmReportLinkSigner): Promise<LinkSignerUnavailableError> {
  const error = await linkSigner.s3().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LinkSignerUnavailableError);
  return error as LinkSignerUnavailableError;
}

describe('SsmReportLinkSigner', () => {
  it('reads the SecureString decrypted, once per container, and signs with its key', async () => {
    // Prepare
    ssmMock
      .on(GetParameterCommand)
      .resolves(secureString(JSON.stringify({ accessKeyId: KEY_ID, secretAccessKey: SECRET })));
    const linkSigner = signer();

    // Act
    const first = await linkSigner.s3();
    const second = await linkSigner.s3();

    // Assess
    expect(second).toBe(first);
    expect(ssmMock.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([
      { Name: PARAMETER, WithDecryption: true },
    ]);
    const credentials = await first.config.credentials();
    expect(credentials).toMatchObject({ accessKeyId: KEY_ID, secretAccessKey: SECRET });
    expect(credentials.expiration).toBeUndefined();
  });

  it('names the setting and how to create the parameter when it is missing, and reads again next time', async () => {
    // Prepare
    ssmMock
      .on(GetParameterCommand)
      .rejectsOnce(new ParameterNotFound({ message: 'not found', $metadata: {} }))
      .resolves(secureString(JSON.stringify({ accessKeyId: KEY_ID, secretAccessKey: SECRET })));
    const linkSigner = signer();

    // Act
    const error = await failureOf(linkSigner);
    const later = await linkSigner.s3();

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

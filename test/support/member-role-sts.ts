import { STSClient } from '@aws-sdk/client-sts';
import { AssumeRoleCommand, STSClient as CredentialProviderSTSClient } from '@aws-sdk/nested-clients/sts';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * Mocks the two STS clients a member-role session goes through: the caller's own (GetCallerIdentity)
 * and the one the SDK's fromTemporaryCredentials builds for AssumeRole (@aws-sdk/nested-clients),
 * which answers with temporary credentials. Call `restore()` in an afterEach, so that a failed
 * test does not leave them mocked.
 */
export function mockMemberRoleSts() {
  const callerSts = mockClient(STSClient);
  const assumeSts = mockClient(CredentialProviderSTSClient);
  assumeSts.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: 'ASIAEXAMPLE',
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(Date.now() + 3_600_000),
    },
  });
  return {
    callerSts,
    assumeSts,
    restore(): void {
      callerSts.restore();
      assumeSts.restore();
    },
  };
}

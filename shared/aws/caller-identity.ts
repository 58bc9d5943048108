import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsClients } from './clients.js';

/** Who is making the calls: named in the release alert. */
export interface CallerIdentity {
  whoAmI(): Promise<{ arn: string; account?: string }>;
}

/** STS GetCallerIdentity needs no permission ("GetCallerIdentity", STS API reference). */
export class StsCallerIdentity implements CallerIdentity {
  readonly #aws: AwsClients;

  constructor(aws: AwsClients) {
    this.#aws = aws;
  }

  async whoAmI(): Promise<{ arn: string; account?: string }> {
    const result = await (await this.#aws.sts()).send(new GetCallerIdentityCommand({}));
    return { arn: result.Arn ?? 'unknown', ...(result.Account ? { account: result.Account } : {}) };
  }
}

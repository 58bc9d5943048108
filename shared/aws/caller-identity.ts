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
    const sts = await this.#aws.sts();
    // Loaded with the client, on first use: only release and organization mode ask.
    const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const result = await sts.send(new GetCallerIdentityCommand({}));
    return { arn: result.Arn ?? 'unknown', ...(result.Account ? { account: result.Account } : {}) };
  }
}

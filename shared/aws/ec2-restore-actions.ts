import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from './clients.js';

/**
 * The write only the restoring family makes (its labels go through `CloneActions.tag`). Kept out
 * of `Ec2CloneActions`, which prune also bundles, so that only the enforce role is granted
 * StopInstances.
 */
export interface RestoreActions {
  /** Stops instances (never terminates them: the owner keeps their data and can start them again). Safe to repeat. */
  stopInstances(region: string, instanceIds: string[]): Promise<void>;
}

/** {@link RestoreActions} against EC2. */
export class Ec2RestoreActions implements RestoreActions {
  readonly #aws: AwsClients;

  constructor(aws: AwsClients) {
    this.#aws = aws;
  }

  /** One call: the instances of one RunInstances record (the reader takes at most 1,000). */
  async stopInstances(region: string, instanceIds: string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    await this.#aws.ec2(region).send(new StopInstancesCommand({ InstanceIds: instanceIds }));
  }
}

import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from './clients.js';
import { tagResources } from './ec2-tagging.js';

/** The EC2 writes a restore may need. Both are safe to repeat with the same input. */
export interface RestoreActions {
  /** Labels what a restore created: instances, volumes and network interfaces alike. */
  tag(region: string, resourceIds: string[], tags: Record<string, string>): Promise<void>;
  /** Stops instances (never terminates them: the owner keeps their data and can start them again). */
  stopInstances(region: string, instanceIds: string[]): Promise<void>;
}

/** {@link RestoreActions} against EC2. */
export class Ec2RestoreActions implements RestoreActions {
  readonly #aws: AwsClients;

  constructor(aws: AwsClients) {
    this.#aws = aws;
  }

  tag(region: string, resourceIds: string[], tags: Record<string, string>): Promise<void> {
    return tagResources(this.#aws.ec2(region), resourceIds, tags);
  }

  /** One call: the instances of one RunInstances record (the reader takes at most 1,000). */
  async stopInstances(region: string, instanceIds: string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    await this.#aws.ec2(region).send(new StopInstancesCommand({ InstanceIds: instanceIds }));
  }
}

import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { AwsClients } from './clients.js';

/** Sends one alert. Small on purpose: the message is built by `actions/alert-message.ts`. */
export interface AlertPublisher {
  publish(alert: PublishCommandInput): Promise<string | undefined>;
}

export class SnsAlertPublisher implements AlertPublisher {
  readonly #aws: AwsClients;

  constructor(aws: AwsClients) {
    this.#aws = aws;
  }

  async publish(alert: PublishCommandInput): Promise<string | undefined> {
    // Imported here, not at the top: see `AwsClients.sns`.
    const { PublishCommand } = await import('@aws-sdk/client-sns');
    const client = await this.#aws.sns();
    const result = await client.send(new PublishCommand(alert));
    return result.MessageId;
  }
}

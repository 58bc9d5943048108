import { PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
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
    const result = await this.#aws.sns().send(new PublishCommand(alert));
    return result.MessageId;
  }
}

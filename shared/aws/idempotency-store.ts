import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { AwsClients } from './clients.js';

/**
 * The key of an enforced event in the idempotency table: the CloudTrail event id of a call
 * (`detail.eventID`), else the EventBridge envelope's own id (EC2's `EC2 AMI State Change`
 * events have no CloudTrail record). A bare CloudTrail record is keyed as EventBridge would
 * wrap it ({@link idempotencyPayload}), so that replay and the Lambda share their records.
 */
const IDEMPOTENCY_KEY_PATH = 'detail.eventID || id';

/**
 * One prefix for the Lambda and `clonewarden replay` alike (Powertools' default is the
 * function's name, which replay does not know).
 */
const IDEMPOTENCY_KEY_PREFIX = 'clonewarden-enforce';

/**
 * How long an event is remembered: longer than EventBridge's longest retry window (24 h), so a
 * late redelivery is still recognised.
 */
const REMEMBERED_FOR_SECONDS = 48 * 3600;

/** The Powertools idempotency options the enforce Lambda and replay share: one store, one key. */
export function idempotencyOptions(aws: AwsClients, tableName: string) {
  return {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: aws.dynamodb() }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: IDEMPOTENCY_KEY_PATH,
      throwOnNoIdempotencyKey: false,
      expiresAfterSeconds: REMEMBERED_FOR_SECONDS,
    }),
    keyPrefix: IDEMPOTENCY_KEY_PREFIX,
  };
}

/** The input as the Lambda receives it, for the key: a bare CloudTrail record goes in `detail`. */
export function idempotencyPayload(input: unknown): unknown {
  const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
  if (isObject && Object.hasOwn(input, 'detail') && Object.hasOwn(input, 'detail-type')) return input;
  return { detail: input };
}

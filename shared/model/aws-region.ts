/**
 * An AWS region name: `eu-west-1`, `us-gov-west-1`, `ap-southeast-10`. Two digits at the end,
 * because region numbers have passed 9 ("Regions and Zones": ap-southeast-7 today, more to come).
 * The CLI's `--region`, the SDK's configured region and the policy's `audit.regions` are all
 * checked with it, so that a region accepted in one place is accepted in the others.
 */
export const AWS_REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

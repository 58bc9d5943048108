import {
  GetImageBlockPublicAccessStateCommand,
  GetSnapshotBlockPublicAccessStateCommand,
} from '@aws-sdk/client-ec2';
import { describeError } from './aws-error.js';
import type { AwsClients } from './clients.js';

/**
 * The account's block public access for images and snapshots in one region, as EC2 names the
 * states (`block-new-sharing`, `block-all-sharing`, `unblocked`), or `unknown` with the reason.
 */
export interface BlockPublicAccess {
  image: string;
  snapshot: string;
  /** Why a state is unknown: the endpoint lacks the call (moto does), or the role may not read it. */
  gaps: string[];
}

/** The state that leaves public sharing open. */
export const UNBLOCKED = 'unblocked';

/** Reads both settings; a state that cannot be read is `unknown`, never a failed run. */
export interface BlockPublicAccessReader {
  read(region: string): Promise<BlockPublicAccess>;
}

/**
 * EC2's two account settings ("Block public access to your AMIs", "Block public access for
 * snapshots"): once on, `group: all` shares are refused by EC2 itself. moto implements neither
 * call, so this path is unit-tested with aws-sdk-client-mock.
 */
export class Ec2BlockPublicAccess implements BlockPublicAccessReader {
  readonly #aws: AwsClients;

  constructor(aws: AwsClients) {
    this.#aws = aws;
  }

  async read(region: string): Promise<BlockPublicAccess> {
    const ec2 = this.#aws.ec2(region);
    const gaps: string[] = [];
    const [image, snapshot] = await Promise.all([
      readState('GetImageBlockPublicAccessState', gaps, async () => {
        const result = await ec2.send(new GetImageBlockPublicAccessStateCommand({}));
        return result.ImageBlockPublicAccessState;
      }),
      readState('GetSnapshotBlockPublicAccessState', gaps, async () => {
        const result = await ec2.send(new GetSnapshotBlockPublicAccessStateCommand({}));
        return result.State;
      }),
    ]);
    return { image, snapshot, gaps };
  }
}

async function readState(operation: string, gaps: string[], read: () => Promise<string | undefined>) {
  try {
    return (await read()) ?? 'unknown';
  } catch (error) {
    // A report, not a guard: whatever failed, the run goes on and says what it could not read.
    gaps.push(`${operation}: ${describeError(error)}`);
    return 'unknown';
  }
}

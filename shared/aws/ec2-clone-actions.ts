import {
  DisableImageCommand,
  EnableImageDeprecationCommand,
  type LaunchPermission,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import {
  encodeShares,
  MAX_SHARE_TAGS,
  recordedShares,
  type Share,
  shareTagKey,
  shareToken,
} from '../model/clonewarden-tags.js';
import type { EnforcerLog } from '../model/log.js';
import type { CloneKind } from '../model/types.js';
import { describeError, isUnsupportedOperation } from './aws-error.js';
import type { AwsClients } from './clients.js';
import { type CloneShareReader, Ec2CloneShareReader } from './clone-shares.js';
import { tagResources } from './ec2-tagging.js';
import { untagResources } from './ec2-untagging.js';

function uniqueShares(shares: Share[]): Share[] {
  const seen = new Set<string>();
  return shares.filter((share) => {
    const key = `${share.kind}:${share.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface QuarantineResult {
  removedShares: Share[];
  /** Steps the endpoint does not support; logged, and the rest was done. */
  skipped: string[];
}

/** Called with the shares a quarantine found, before it removes them: where they are recorded first. */
export type RecordShares = (shares: Share[]) => Promise<void>;

/** The EC2 writes clonewarden makes. Every method is safe to repeat with the same input. */
export interface CloneActions {
  tag(region: string, resourceIds: string[], tags: Record<string, string>): Promise<void>;
  quarantineImage(
    region: string,
    imageId: string,
    knownTags: Record<string, string>,
    recordShares?: RecordShares,
  ): Promise<QuarantineResult>;
  quarantineSnapshot(
    region: string,
    snapshotId: string,
    knownTags: Record<string, string>,
    recordShares?: RecordShares,
  ): Promise<QuarantineResult>;
  /** Removes those of `shares` the clone still grants, keeps every other grant; returns what it removed. */
  revokeShares(region: string, kind: CloneKind, id: string, shares: Share[]): Promise<Share[]>;
  /** Removes tag keys: the tamper guard drops `clonewarden:` tags the ledger does not hold. */
  untag?(region: string, resourceIds: string[], keys: string[]): Promise<void>;
}

export class Ec2CloneActions implements CloneActions {
  readonly #aws: AwsClients;
  readonly #log: EnforcerLog;
  readonly #now: () => Date;
  /** The same share reader the audit uses: one place turns EC2's permissions into shares. */
  readonly #shares: CloneShareReader;

  constructor(aws: AwsClients, options: { log: EnforcerLog; now?: () => Date }) {
    this.#aws = aws;
    this.#shares = new Ec2CloneShareReader(aws);
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
  }

  tag(region: string, resourceIds: string[], tags: Record<string, string>): Promise<void> {
    return tagResources(this.#aws.ec2(region), resourceIds, tags);
  }

  untag(region: string, resourceIds: string[], keys: string[]): Promise<void> {
    return untagResources(this.#aws.ec2(region), resourceIds, keys);
  }

  /**
   * The order the README's "Quarantine" section describes: record the launch permissions in
   * the ledger (through `recordShares`) and in a tag, remove them, disable the image, deprecate it now. On a retry the recorded shares are kept, never overwritten by the
   * (by then empty) current list.
   */
  async quarantineImage(
    region: string,
    imageId: string,
    knownTags: Record<string, string>,
    recordShares?: RecordShares,
  ): Promise<QuarantineResult> {
    const ec2 = this.#aws.ec2(region);
    const current = await this.#shares.shares(region, 'image', imageId);
    if (current.length > 0) await recordShares?.(current);
    await this.#recordShares(region, imageId, knownTags, current);
    if (current.length > 0) {
      await ec2.send(
        new ModifyImageAttributeCommand({
          ImageId: imageId,
          LaunchPermission: { Remove: current.map(shareToLaunchPermission) },
        }),
      );
    }
    const skipped: string[] = [];
    await this.#optionalStep('DisableImage', skipped, () =>
      ec2.send(new DisableImageCommand({ ImageId: imageId })),
    );
    await this.#optionalStep('EnableImageDeprecation', skipped, () =>
      ec2.send(
        new EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: this.#earliestDeprecation() }),
      ),
    );
    return { removedShares: current, skipped };
  }

  async revokeShares(region: string, kind: CloneKind, id: string, shares: Share[]): Promise<Share[]> {
    const ec2 = this.#aws.ec2(region);
    const current = await this.#shares.shares(region, kind, id);
    // Only what is still granted: a retry after a partial run removes nothing twice.
    const granted = new Set(current.map(shareToken));
    const removing = uniqueShares(shares).filter((share) => granted.has(shareToken(share)));
    if (removing.length === 0) return [];
    if (kind === 'image') {
      await ec2.send(
        new ModifyImageAttributeCommand({
          ImageId: id,
          LaunchPermission: { Remove: removing.map(shareToLaunchPermission) },
        }),
      );
    } else {
      await this.#removeVolumePermissions(region, id, removing);
    }
    return removing;
  }

  /** The flat OperationType/UserIds/GroupNames form: equivalent in AWS, and the one moto implements. */
  async #removeVolumePermissions(region: string, snapshotId: string, shares: Share[]): Promise<void> {
    await this.#aws.ec2(region).send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: snapshotId,
        Attribute: 'createVolumePermission',
        OperationType: 'remove',
        UserIds: shares.filter((s) => s.kind === 'account').map((s) => s.value),
        GroupNames: shares.filter((s) => s.kind === 'group').map((s) => s.value as 'all'),
      }),
    );
  }

  /** Records `createVolumePermission` (in the ledger, then a tag), then removes it. */
  async quarantineSnapshot(
    region: string,
    snapshotId: string,
    knownTags: Record<string, string>,
    recordShares?: RecordShares,
  ): Promise<QuarantineResult> {
    const current = await this.#shares.shares(region, 'snapshot', snapshotId);
    if (current.length > 0) await recordShares?.(current);
    await this.#recordShares(region, snapshotId, knownTags, current);
    if (current.length > 0) await this.#removeVolumePermissions(region, snapshotId, current);
    return { removedShares: current, skipped: [] };
  }

  async #recordShares(
    region: string,
    id: string,
    knownTags: Record<string, string>,
    current: Share[],
  ): Promise<void> {
    if (current.length === 0) return;
    const all = uniqueShares([...recordedShares(knownTags), ...current]);
    const values = encodeShares(all).slice(0, MAX_SHARE_TAGS);
    if (encodeShares(all).length > MAX_SHARE_TAGS) {
      this.#log.error('too many shares to record in tags; the alert carries the full list', {
        id,
        shares: all.length,
      });
    }
    await this.tag(
      region,
      [id],
      Object.fromEntries(values.map((value, index) => [shareTagKey(index), value])),
    );
  }

  /** DeprecateAt may not be in the past and is rounded to the minute (EnableImageDeprecation). */
  #earliestDeprecation(): Date {
    const at = new Date(this.#now().getTime() + 60_000);
    at.setUTCSeconds(0, 0);
    return new Date(at.getTime() + 60_000);
  }

  /** A hardening step: where the endpoint lacks the API, log it and do the rest. */
  async #optionalStep(operation: string, skipped: string[], run: () => Promise<unknown>): Promise<void> {
    if (this.#aws.unsupported.has(operation)) {
      skipped.push(operation);
      return;
    }
    try {
      await run();
    } catch (error) {
      if (!isUnsupportedOperation(error)) throw error;
      this.#aws.unsupported.remember(operation);
      skipped.push(operation);
      this.#log.warn('quarantine step not supported by this endpoint; skipped', {
        operation,
        error: describeError(error),
      });
    }
  }
}

export function shareToLaunchPermission(share: Share): LaunchPermission {
  switch (share.kind) {
    case 'group':
      return { Group: share.value as 'all' };
    case 'account':
      return { UserId: share.value };
    case 'organization':
      return { OrganizationArn: share.value };
    case 'organizational-unit':
      return { OrganizationalUnitArn: share.value };
  }
}

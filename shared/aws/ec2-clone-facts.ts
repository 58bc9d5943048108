import {
  DescribeImagesCommand,
  DescribeInstanceStatusCommand,
  DescribeSnapshotsCommand,
  DescribeVolumeStatusCommand,
  type Image,
  type InstanceStatus,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { CloneNotVisibleError } from '../model/errors.js';
import { kmsAliasRegion } from '../model/kms-alias.js';
import type { EnforcerLog } from '../model/log.js';
import type {
  CloneEvent,
  CloneFact,
  CloneFacts,
  CloneKind,
  DiskEncryption,
  FactNeeds,
  KmsKeyFact,
  OriginFact,
  SourceFact,
  SourceRef,
  StatusCheck,
} from '../model/types.js';
import { describeError, isNotFound, isUnsupportedOperation } from './aws-error.js';
import type { AwsClients } from './clients.js';
import { isDeprecated, missingSource, SOURCE_READERS } from './ec2-source-readers.js';
import type { KmsKeyReader } from './kms-keys.js';
import { tagsToRecord } from './tag-set.js';

/** Fetches what the engine needs to judge one event. The only way the engine sees AWS. */
export interface CloneFactsReader {
  collect(event: CloneEvent): Promise<CloneFacts>;
}

export interface VisibilityRetry {
  /** Attempts to see a new clone before giving up (EC2 is eventually consistent). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_VISIBILITY_RETRY: VisibilityRetry = { attempts: 6, baseDelayMs: 500, maxDelayMs: 8_000 };

export interface Ec2CloneFactsOptions {
  log: EnforcerLog;
  retry?: VisibilityRetry;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** Extra facts the policy's rules ask for (see `factNeedsOf`); none when absent. */
  needs?: FactNeeds;
  /** Describes KMS keys; passed only where a rule may need it, so that other bundles lack KMS. */
  kms?: KmsKeyReader;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads clone facts from EC2 in as few calls as possible: the source first (it names the
 * origin), then the clones together with the origin in one Describe call, and the status
 * checks in parallel. A compliant CreateImage costs three reads.
 */
export class Ec2CloneFacts implements CloneFactsReader {
  readonly #aws: AwsClients;
  readonly #log: EnforcerLog;
  readonly #retry: VisibilityRetry;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => Date;
  readonly #needs: FactNeeds | undefined;
  readonly #kms: KmsKeyReader | undefined;

  constructor(aws: AwsClients, options: Ec2CloneFactsOptions) {
    this.#aws = aws;
    this.#log = options.log;
    this.#retry = options.retry ?? DEFAULT_VISIBILITY_RETRY;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#now = options.now ?? (() => new Date());
    this.#needs = options.needs;
    this.#kms = options.kms;
  }

  async collect(event: CloneEvent): Promise<CloneFacts> {
    const gaps: string[] = [];
    const source = event.source ? await this.#readSource(event.source, gaps) : undefined;
    const originRef = originOf(source);
    const cloneKind = event.clones[0]?.kind ?? 'image';
    // The origin rides along with the clones when it is the same kind in the same region.
    const originWithClones = originRef && originRef.kind === cloneKind && source?.region === event.region;

    const [clonesAndOrigin, separateOrigin, statusChecks, attachmentStates] = await Promise.all([
      this.#readClones(event, originWithClones ? originRef.id : undefined),
      originRef && !originWithClones
        ? this.#readOrigin(originRef, source!.region)
        : Promise.resolve(undefined),
      source ? this.#readStatusChecks(source, gaps) : Promise.resolve(undefined),
      source?.kind === 'volume' ? this.#readInstanceStates(source, gaps) : Promise.resolve(undefined),
    ]);

    if (source?.kind === 'instance' || source?.kind === 'volume') {
      if (statusChecks) source.statusChecks = statusChecks;
    }
    if (source?.kind === 'volume' && attachmentStates) {
      source.attachments = source.attachments.map((attachment) => ({
        ...attachment,
        instanceState: attachmentStates.get(attachment.instanceId),
      }));
    }
    const origin = clonesAndOrigin.origin ?? separateOrigin;
    const clones = await this.#withDiskEncryption(clonesAndOrigin.clones, event.region, gaps);
    const kmsKeys = await this.#readKmsKeys(clones);
    return {
      clones,
      ...(source ? { source } : {}),
      ...(origin ? { origin } : {}),
      ...(kmsKeys ? { kmsKeys } : {}),
      gaps,
    };
  }

  /**
   * Images carry no encryption of their own: their backing snapshots do (DescribeImages reports
   * a KmsKeyId only for RunInstances-style mappings, "EbsBlockDevice"). One DescribeSnapshots
   * for every image of the event, only when a rule asks. An image whose disks cannot all be read
   * keeps its encryption unknown.
   */
  async #withDiskEncryption(clones: CloneFact[], region: string, gaps: string[]): Promise<CloneFact[]> {
    const images = clones.filter((clone) => clone.kind === 'image');
    if (!this.#needs?.diskEncryption || images.length === 0) return clones;
    const ids = [...new Set(images.flatMap((image) => image.backingSnapshotIds))];
    const disks =
      ids.length > 0 ? await this.#describeTogether('snapshot', region, ids, undefined) : new Map();
    return clones.map((clone) => {
      if (clone.kind !== 'image') return clone;
      const missing = clone.backingSnapshotIds.filter((id) => !disks.get(id)?.encryption);
      if (missing.length > 0) {
        gaps.push(`disks of ${clone.id} could not be read (${missing.join(', ')}): encryption unknown`);
        return clone;
      }
      return { ...clone, encryption: clone.backingSnapshotIds.flatMap((id) => disks.get(id)!.encryption!) };
    });
  }

  /** The clones' KMS keys and the policy's aliases, described only when a rule asks. */
  async #readKmsKeys(clones: CloneFact[]): Promise<KmsKeyFact[] | undefined> {
    const needs = this.#needs;
    if (!this.#kms || !needs || (!needs.kmsKeyManager && needs.kmsAliases.length === 0)) return undefined;
    const refs: { ref: string; region: string }[] = [];
    for (const clone of clones) {
      if (needs.kmsKeyManager) {
        for (const disk of clone.encryption ?? []) {
          if (disk.kmsKeyId) refs.push({ ref: disk.kmsKeyId, region: clone.region });
        }
      }
      for (const alias of needs.kmsAliases) {
        refs.push({ ref: alias, region: kmsAliasRegion(alias, clone.region) });
      }
    }
    return refs.length > 0 ? this.#kms.describe(refs) : undefined;
  }

  /** The source, through the reader for its kind; a source EC2 does not know is a gap. */
  async #readSource(ref: SourceRef, gaps: string[]): Promise<SourceFact> {
    let fact: SourceFact | undefined;
    try {
      fact = await SOURCE_READERS[ref.kind](this.#aws.ec2(ref.region), ref, this.#now());
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (fact) return fact;
    gaps.push(`source ${ref.id} was not found in ${ref.region}`);
    return missingSource(ref);
  }

  /** The clones must be visible: retried with bounded backoff, then a loud failure. */
  async #readClones(
    event: CloneEvent,
    originId: string | undefined,
  ): Promise<{ clones: CloneFact[]; origin?: OriginFact }> {
    const kind = event.clones[0]?.kind ?? 'image';
    const cloneIds = event.clones.map((clone) => clone.id);
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.#retry.attempts; attempt++) {
      const described = await this.#describeTogether(kind, event.region, cloneIds, originId);
      const missing = cloneIds.filter((id) => !described.has(id));
      if (missing.length === 0) {
        const origin =
          originId !== undefined
            ? {
                kind,
                id: originId,
                found: described.has(originId),
                tags: described.get(originId)?.tags ?? {},
              }
            : undefined;
        return { clones: cloneIds.map((id) => described.get(id)!), ...(origin ? { origin } : {}) };
      }
      lastProblem = `not yet visible: ${missing.join(', ')}`;
      if (attempt < this.#retry.attempts) {
        const delay = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
        this.#log.info('clone not visible yet; waiting', { missing, attempt, delayMs: delay });
        await this.#sleep(delay);
      }
    }
    const where = { region: event.region, account: event.account };
    throw new CloneNotVisibleError(cloneIds.join(', '), this.#retry.attempts, where, {
      cause: new Error(lastProblem),
    });
  }

  /** Describes clones (and the origin) in one call; a NotFound for any id falls back to one call per id. */
  async #describeTogether(
    kind: CloneKind,
    region: string,
    cloneIds: string[],
    originId: string | undefined,
  ): Promise<Map<string, CloneFact>> {
    const ids = originId ? [...cloneIds, originId] : cloneIds;
    try {
      return await this.#describe(kind, region, ids);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      if (ids.length === 1) return new Map();
      // EC2 fails the whole call when one id is unknown; ask per id to learn which.
      const found = new Map<string, CloneFact>();
      for (const id of ids) {
        try {
          for (const [key, value] of await this.#describe(kind, region, [id])) found.set(key, value);
        } catch (inner) {
          if (!isNotFound(inner)) throw inner;
        }
      }
      return found;
    }
  }

  async #describe(kind: CloneKind, region: string, ids: string[]): Promise<Map<string, CloneFact>> {
    const ec2 = this.#aws.ec2(region);
    if (kind === 'image') {
      // IncludeDisabled: a clone may have been disabled already (by us, on a previous attempt).
      const result = await ec2.send(new DescribeImagesCommand({ ImageIds: ids, IncludeDisabled: true }));
      return new Map(
        (result.Images ?? []).map((image) => [image.ImageId!, imageFact(image, region, this.#now())]),
      );
    }
    const result = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ids }));
    return new Map(
      (result.Snapshots ?? []).map((snapshot) => [snapshot.SnapshotId!, snapshotFact(snapshot, region)]),
    );
  }

  async #readOrigin(ref: { kind: CloneKind; id: string }, region: string): Promise<OriginFact> {
    const found = await this.#describeTogether(ref.kind, region, [ref.id], undefined);
    const fact = found.get(ref.id);
    return { kind: ref.kind, id: ref.id, found: fact !== undefined, tags: fact?.tags ?? {} };
  }

  async #readStatusChecks(source: SourceFact, gaps: string[]): Promise<StatusCheck | undefined> {
    if (!source.found) return undefined;
    if (source.kind === 'instance') {
      const result = await this.#aws
        .ec2(source.region)
        .send(new DescribeInstanceStatusCommand({ InstanceIds: [source.id], IncludeAllInstances: true }));
      return combineInstanceChecks(result.InstanceStatuses?.[0]);
    }
    if (source.kind === 'volume') {
      const operation = 'DescribeVolumeStatus';
      if (this.#aws.unsupported.has(operation)) {
        gaps.push(`${operation} is not supported by this endpoint; volume status unknown`);
        return 'unknown';
      }
      try {
        const result = await this.#aws
          .ec2(source.region)
          .send(new DescribeVolumeStatusCommand({ VolumeIds: [source.id] }));
        return volumeCheck(result.VolumeStatuses?.[0]?.VolumeStatus?.Status);
      } catch (error) {
        // moto lacks DescribeVolumeStatus; production degrades the same way: the check is unknown.
        if (!isUnsupportedOperation(error)) throw error;
        this.#aws.unsupported.remember(operation);
        this.#log.warn('volume status checks could not be read', { operation, error: describeError(error) });
        gaps.push(`${operation} is not supported by this endpoint; volume status unknown`);
        return 'unknown';
      }
    }
    return undefined;
  }

  /** States of the instances a volume is attached to, for consistent-capture. */
  async #readInstanceStates(source: SourceFact, gaps: string[]): Promise<Map<string, string> | undefined> {
    if (source.kind !== 'volume' || source.attachments.length === 0) return undefined;
    try {
      const result = await this.#aws.ec2(source.region).send(
        new DescribeInstanceStatusCommand({
          InstanceIds: source.attachments.map((a) => a.instanceId),
          IncludeAllInstances: true,
        }),
      );
      return new Map(
        (result.InstanceStatuses ?? []).flatMap((s) =>
          s.InstanceId && s.InstanceState?.Name ? [[s.InstanceId, s.InstanceState.Name] as const] : [],
        ),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
      gaps.push(`the instance ${source.id} is attached to was not found`);
      return undefined;
    }
  }
}

function originOf(source: SourceFact | undefined): { kind: CloneKind; id: string } | undefined {
  if (source?.kind === 'instance' && source.imageId) return { kind: 'image', id: source.imageId };
  if (source?.kind === 'volume' && source.snapshotId) return { kind: 'snapshot', id: source.snapshotId };
  return undefined;
}

function imageFact(image: Image, region: string, now: Date): CloneFact {
  return {
    kind: 'image',
    id: image.ImageId!,
    region,
    tags: tagsToRecord(image.Tags),
    createdAt: image.CreationDate,
    state: image.State,
    backingSnapshotIds: (image.BlockDeviceMappings ?? []).flatMap((m) =>
      m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : [],
    ),
    sizeGiB: (image.BlockDeviceMappings ?? []).reduce((sum, m) => sum + (m.Ebs?.VolumeSize ?? 0), 0),
    ...(image.SourceImageId ? { sourceImageId: image.SourceImageId } : {}),
    ...(image.SourceInstanceId ? { sourceInstanceId: image.SourceInstanceId } : {}),
    deprecated: isDeprecated(image, now),
  };
}

function snapshotFact(snapshot: Snapshot, region: string): CloneFact {
  return {
    kind: 'snapshot',
    id: snapshot.SnapshotId!,
    region,
    tags: tagsToRecord(snapshot.Tags),
    createdAt: snapshot.StartTime?.toISOString(),
    state: snapshot.State,
    backingSnapshotIds: [],
    ...(snapshot.VolumeId ? { volumeId: snapshot.VolumeId } : {}),
    ...(snapshot.VolumeSize !== undefined ? { sizeGiB: snapshot.VolumeSize } : {}),
    ...(snapshot.Encrypted !== undefined ? { encryption: [diskEncryption(snapshot)] } : {}),
  };
}

function diskEncryption(snapshot: Snapshot): DiskEncryption {
  return {
    snapshotId: snapshot.SnapshotId!,
    encrypted: snapshot.Encrypted === true,
    ...(snapshot.KmsKeyId ? { kmsKeyId: snapshot.KmsKeyId } : {}),
  };
}

const CHECK_ORDER: StatusCheck[] = ['impaired', 'initializing', 'insufficient-data', 'ok', 'not-applicable'];

/** Instance and system checks combined: the worse of the two wins. */
export function combineInstanceChecks(status: InstanceStatus | undefined): StatusCheck {
  if (!status) return 'unknown';
  const checks = [status.InstanceStatus?.Status, status.SystemStatus?.Status].map(
    (value): StatusCheck => (CHECK_ORDER.includes(value as StatusCheck) ? (value as StatusCheck) : 'unknown'),
  );
  if (checks.includes('unknown')) return 'unknown';
  return CHECK_ORDER.find((check) => checks.includes(check)) ?? 'unknown';
}

function volumeCheck(status: string | undefined): StatusCheck {
  switch (status) {
    case 'ok':
      return 'ok';
    case 'impaired':
    case 'warning':
      return 'impaired';
    case 'insufficient-data':
      return 'insufficient-data';
    default:
      return 'unknown';
  }
}

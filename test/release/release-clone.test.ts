import { describe, expect, it, vi } from 'vitest';
import type { CallerIdentity } from '../../shared/aws/caller-identity.js';
import type { CloneReleaser, ReleasableClone } from '../../shared/aws/clone-releaser.js';
import { CloneNotFoundError, NotQuarantinedError } from '../../shared/model/errors.js';
import { buildReleaseAlert } from '../../shared/release/release-alert.js';
import { releaseClone } from '../../shared/release/release-clone.js';

const IMAGE = 'ami-0aaaaaaaaaaaaaaa1';
const DISK = 'snap-0bbbbbbbbbbbbbbb1';
const TOPIC = 'arn:aws:sns:ap-south-1:123456789012:clonewarden-alerts';
const SECURITY = 'arn:aws:sts::123456789012:assumed-role/SecurityReview/kim';

function quarantinedImage(overrides: Partial<ReleasableClone> = {}): ReleasableClone {
  return {
    kind: 'image',
    id: IMAGE,
    region: 'ap-south-1',
    ownerId: '123456789012',
    state: 'disabled',
    tags: {
      'clonewarden:status': 'quarantined',
      'clonewarden:quarantine-shares': 'u=444455556666 g=all',
      'clonewarden:quarantine-shares-2': 'o=arn:aws:organizations::111122223333:organization/o-abc',
      Owner: 'dana@example.com',
    },
    backingSnapshotIds: [DISK],
    ...overrides,
  };
}

/** The image's disk as quarantine left it: unshared, with its own shares recorded on it. */
const quarantinedDisk: ReleasableClone = {
  kind: 'snapshot',
  id: DISK,
  region: 'ap-south-1',
  tags: { 'clonewarden:status': 'quarantined', 'clonewarden:quarantine-shares': 'g=all' },
  backingSnapshotIds: [],
};

function aReleaser(clone: ReleasableClone | undefined, unsupported: string[] = [], disk = quarantinedDisk) {
  const releaser: CloneReleaser = {
    describe: vi.fn(async (_region: string, id: string) =>
      clone && id === clone.id ? clone : id === disk.id ? disk : undefined,
    ),
    restoreImageShares: vi.fn(async () => {}),
    restoreSnapshotShares: vi.fn(async () => {}),
    enableImage: vi.fn(async () => (unsupported.includes('EnableImage') ? 'unsupported' : 'done') as never),
    cancelDeprecation: vi.fn(
      async () => (unsupported.includes('DisableImageDeprecation') ? 'unsupported' : 'done') as never,
    ),
    tag: vi.fn(async () => {}),
    untag: vi.fn(async () => {}),
  };
  const identity: CallerIdentity = {
    whoAmI: vi.fn(async () => ({ arn: SECURITY, account: '123456789012' })),
  };
  const alerts = { publish: vi.fn(async () => 'message-id') };
  const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  return { releaser, identity, alerts, log };
}

const request = {
  id: IMAGE,
  region: 'ap-south-1',
  reason: 'reviewed: rebuilt from a patched base',
  dryRun: false,
  topicArn: TOPIC,
};

describe('Release: lifting a quarantine', () => {
  it('restores every recorded share, re-enables, cancels deprecation, marks exempt, and alerts once', async () => {
    // Prepare
    const deps = aReleaser(quarantinedImage());

    // Act
    const result = await releaseClone(request, deps);

    // Assess
    expect(deps.releaser.restoreImageShares).toHaveBeenCalledWith('ap-south-1', IMAGE, [
      { kind: 'account', value: '444455556666' },
      { kind: 'group', value: 'all' },
      { kind: 'organization', value: 'arn:aws:organizations::111122223333:organization/o-abc' },
    ]);
    expect(deps.releaser.enableImage).toHaveBeenCalledWith('ap-south-1', IMAGE);
    expect(deps.releaser.cancelDeprecation).toHaveBeenCalledWith('ap-south-1', IMAGE);
    expect(deps.releaser.tag).toHaveBeenCalledWith('ap-south-1', [IMAGE, DISK], {
      'clonewarden:status': 'exempt',
    });
    expect(deps.releaser.untag).toHaveBeenCalledWith(
      'ap-south-1',
      [IMAGE],
      ['clonewarden:quarantine-shares', 'clonewarden:quarantine-shares-2'],
    );
    // The disk's own shares, recorded on the disk by quarantine, come back too.
    expect(deps.releaser.restoreSnapshotShares).toHaveBeenCalledWith('ap-south-1', DISK, [
      { kind: 'group', value: 'all' },
    ]);
    expect(deps.releaser.untag).toHaveBeenCalledWith('ap-south-1', [DISK], ['clonewarden:quarantine-shares']);
    expect(deps.alerts.publish).toHaveBeenCalledTimes(1);
    expect(result).toMatchObject({ releasedBy: SECURITY, reason: request.reason, dryRun: false });
    expect(result.steps.map((s) => `${s.step}:${s.outcome}`)).toEqual([
      'restore-shares:done',
      'restore-snapshot-shares:done',
      'enable-image:done',
      'cancel-deprecation:done',
      'set-status-exempt:done',
      'alert:done',
    ]);
  });

  it('releases without a topic but says that no alert was sent; a dry run says nothing', async () => {
    // Prepare
    const deps = aReleaser(quarantinedImage());
    const dryDeps = aReleaser(quarantinedImage());
    const { topicArn: _none, ...withoutTopic } = request;

    // Act
    const result = await releaseClone(withoutTopic, deps);
    await releaseClone({ ...withoutTopic, dryRun: true }, dryDeps);

    // Assess
    expect(result.steps.at(-1)).toEqual({
      step: 'alert',
      outcome: 'skipped',
      detail: 'no alert topic configured',
    });
    expect(deps.log.warn).toHaveBeenCalledWith(
      expect.stringMatching(/^the release alert is not sent: no alert topic/),
    );
    expect(dryDeps.log.warn).not.toHaveBeenCalled();
    expect(deps.alerts.publish).not.toHaveBeenCalled();
  });

  it('changes the status last, so that a release that fails half-way can simply be run again', async () => {
    // Prepare
    const deps = aReleaser(quarantinedImage());
    vi.mocked(deps.releaser.enableImage).mockRejectedValueOnce(new Error('throttled'));

    // Act
    const result = releaseClone(request, deps);

    // Assess
    await expect(result).rejects.toThrow('throttled');
    expect(deps.releaser.tag).not.toHaveBeenCalled();
    expect(deps.alerts.publish).not.toHaveBeenCalled();
  });

  it('logs and skips steps the endpoint does not implement, and does the rest', async () => {
    // Prepare
    const deps = aReleaser(quarantinedImage(), ['DisableImageDeprecation']);

    // Act
    const result = await releaseClone(request, deps);

    // Assess
    expect(result.steps).toContainEqual({
      step: 'cancel-deprecation',
      outcome: 'skipped',
      detail: 'DisableImageDeprecation is not supported by this endpoint',
    });
    expect(deps.releaser.tag).toHaveBeenCalled();
  });

  it('restores a snapshot with the flat add form and never touches image-only steps', async () => {
    // Prepare
    const snapshot: ReleasableClone = {
      kind: 'snapshot',
      id: DISK,
      region: 'ap-south-1',
      tags: { 'clonewarden:status': 'quarantined', 'clonewarden:quarantine-shares': 'u=444455556666' },
      backingSnapshotIds: [],
    };
    const deps = aReleaser(snapshot);

    // Act
    await releaseClone({ ...request, id: DISK }, deps);

    // Assess
    expect(deps.releaser.restoreSnapshotShares).toHaveBeenCalledWith('ap-south-1', DISK, [
      { kind: 'account', value: '444455556666' },
    ]);
    expect(deps.releaser.enableImage).not.toHaveBeenCalled();
    expect(deps.releaser.tag).toHaveBeenCalledWith('ap-south-1', [DISK], { 'clonewarden:status': 'exempt' });
  });

  it('in dry-run plans every step and changes nothing', async () => {
    // Prepare
    const deps = aReleaser(quarantinedImage());

    // Act
    const result = await releaseClone({ ...request, dryRun: true }, deps);

    // Assess
    for (const write of [
      'restoreImageShares',
      'restoreSnapshotShares',
      'enableImage',
      'cancelDeprecation',
      'tag',
      'untag',
    ] as const) {
      expect(deps.releaser[write]).not.toHaveBeenCalled();
    }
    expect(deps.alerts.publish).not.toHaveBeenCalled();
    expect(result.steps.filter((s) => s.outcome === 'planned').map((s) => s.step)).toEqual([
      'restore-shares',
      'restore-snapshot-shares',
      'enable-image',
      'cancel-deprecation',
      'set-status-exempt',
    ]);
  });

  it.each([
    { case: 'a compliant clone', clone: quarantinedImage({ tags: { 'clonewarden:status': 'compliant' } }) },
    {
      case: 'an already released clone',
      clone: quarantinedImage({ tags: { 'clonewarden:status': 'exempt' } }),
    },
    { case: 'a clone clonewarden never saw', clone: quarantinedImage({ tags: {} }) },
  ])('refuses $case with NotQuarantinedError', async ({ clone }) => {
    // Prepare
    const deps = aReleaser(clone);

    // Act
    const result = releaseClone(request, deps);

    // Assess
    await expect(result).rejects.toBeInstanceOf(NotQuarantinedError);
    expect(deps.releaser.restoreImageShares).not.toHaveBeenCalled();
  });

  it('says so when the clone does not exist', async () => {
    // Prepare
    const deps = aReleaser(undefined);

    // Act
    const result = releaseClone(request, deps);

    // Assess
    await expect(result).rejects.toBeInstanceOf(CloneNotFoundError);
  });
});

describe('Release: the alert', () => {
  it('names who released it and why, sanitised, with an inbox-sized subject', async () => {
    // Prepare
    const deps = aReleaser(quarantinedImage());
    const result = await releaseClone({ ...request, reason: 'ok\r\nStatus: approved <!channel>' }, deps);

    // Act
    const alert = buildReleaseAlert(result, { topicArn: TOPIC });

    // Assess
    const message = JSON.parse(alert.Message!) as Record<string, string>;
    expect(alert.Subject!.length).toBeLessThanOrEqual(100);
    expect(alert.Subject).toContain(`released ${IMAGE} from quarantine`);
    expect(message.email).toContain(`Released by: ${SECURITY}`);
    expect(message.email).toContain('Reason:     ok Status: approved <!channel>');
    expect(message.email).not.toContain('\r');
    expect(JSON.parse(message.sqs!)).toMatchObject({
      schema: 'clonewarden.release/v1',
      releasedBy: SECURITY,
    });
    expect(alert.MessageAttributes?.eventName?.StringValue).toBe('Release');
  });
});

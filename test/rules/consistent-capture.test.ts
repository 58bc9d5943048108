import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/model/types.js';
import { consistentCaptureRule } from '../../shared/rules/consistent-capture.js';
import { imageSource, instanceSource, ruleInput, volumeSource } from '../support/rule-input.js';

const I = 'i-0aaaaaaaaaaaaaaa1';
const V = 'vol-0bbbbbbbbbbbbbbb1';
const NO_ALLOW = { allowPrincipals: [] };
const BACKUP_ROLE: Principal = {
  type: 'AssumedRole',
  arn: 'arn:aws:iam::111122223333:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup',
  display: 'role/AWSServiceRoleForBackup',
};

describe('Rule: consistent-capture', () => {
  it.each([
    {
      case: 'a rebooting image of a running instance',
      event: { eventName: 'CreateImage', noReboot: false },
      source: instanceSource(),
    },
    {
      case: 'a NoReboot image of a stopped instance',
      event: { eventName: 'CreateImage', noReboot: true },
      source: instanceSource({ state: 'stopped' }),
    },
    {
      case: 'a snapshot of a volume on a stopped instance',
      event: { eventName: 'CreateSnapshot' },
      source: volumeSource(),
    },
    {
      case: 'a snapshot of a detached volume',
      event: { eventName: 'CreateSnapshot' },
      source: volumeSource({ state: 'available', attachments: [] }),
    },
    {
      case: 'multi-volume snapshots of a stopped instance',
      event: { eventName: 'CreateSnapshots' },
      source: instanceSource({ state: 'stopped' }),
    },
    {
      case: 'a copy (out of scope)',
      event: { eventName: 'CopyImage', noReboot: undefined },
      source: imageSource(),
    },
    {
      case: 'RegisterImage (out of scope)',
      event: { eventName: 'RegisterImage', noReboot: undefined },
      source: undefined,
    },
  ])('passes $case', ({ event, source }) => {
    // Prepare
    const input = ruleInput({ event, facts: { source } });

    // Act
    const outcome = consistentCaptureRule.evaluate(NO_ALLOW, input);

    // Assess
    expect(outcome).toEqual({ violations: [] });
  });

  it.each([
    {
      case: 'a NoReboot image of a running instance',
      event: { eventName: 'CreateImage', noReboot: true },
      source: instanceSource(),
      expected: `NoReboot image of running instance ${I}: only data already on disk was captured (let EC2 reboot it, or stop it first)`,
    },
    {
      case: 'a snapshot of a volume attached to a running instance',
      event: { eventName: 'CreateSnapshot' },
      source: volumeSource({ attachments: [{ instanceId: I, instanceState: 'running' }] }),
      expected: `snapshot of volume ${V} attached to running instance ${I}: crash-consistent only (stop the instance or use an app-consistent backup tool)`,
    },
    {
      case: 'multi-volume snapshots of a running instance',
      event: { eventName: 'CreateSnapshots' },
      source: instanceSource(),
      expected: `snapshots of running instance ${I}: crash-consistent only (stop the instance or use an app-consistent backup tool)`,
    },
  ])('reports $case', ({ event, source, expected }) => {
    // Prepare
    const input = ruleInput({ event, facts: { source } });

    // Act
    const outcome = consistentCaptureRule.evaluate(NO_ALLOW, input);

    // Assess
    expect(outcome).toEqual({ violations: [expected] });
  });

  it.each([
    {
      case: 'the caller matches allowPrincipals',
      allow: ['arn:aws:iam::*:role/aws-service-role/backup.amazonaws.com/*'],
      trusted: false,
    },
    { case: 'the caller is a trusted AWS service', allow: [], trusted: true },
  ])('passes a NoReboot image of a running instance when $case', ({ allow, trusted }) => {
    // Prepare
    const input = ruleInput({
      event: { eventName: 'CreateImage', noReboot: true, principal: BACKUP_ROLE },
      callerIsTrustedService: trusted,
    });

    // Act
    const outcome = consistentCaptureRule.evaluate({ allowPrincipals: allow }, input);

    // Assess
    expect(outcome).toEqual({ violations: [] });
  });

  it.each([
    {
      case: 'CreateImage does not say whether NoReboot was set',
      event: { eventName: 'CreateImage', noReboot: undefined },
      source: instanceSource(),
      expected: 'CreateImage did not record NoReboot: consistency not checked',
    },
    {
      case: 'the source instance was not found',
      event: { eventName: 'CreateImage', noReboot: true },
      source: instanceSource({ found: false }),
      expected: `instance ${I} could not be read: consistency not checked`,
    },
    {
      case: 'the instance state is unknown',
      event: { eventName: 'CreateSnapshots' },
      source: instanceSource({ state: undefined }),
      expected: `state of instance ${I} could not be read: consistency not checked`,
    },
    {
      case: 'the attached instance state is unknown',
      event: { eventName: 'CreateSnapshot' },
      source: volumeSource({ attachments: [{ instanceId: I }] }),
      expected: `state of instance ${I} (attached to ${V}) is unknown: consistency not checked`,
    },
  ])('reports an unknown when $case', ({ event, source, expected }) => {
    // Prepare
    const input = ruleInput({ event, facts: { source } });

    // Act
    const outcome = consistentCaptureRule.evaluate(NO_ALLOW, input);

    // Assess
    expect(outcome).toEqual({ violations: [], unknowns: [expected] });
  });

  it('reports an unknown rather than a violation for a clone found by a scan', () => {
    // Prepare
    const principal: Principal = { type: 'Unknown', arn: '', display: 'unknown' };
    const input = ruleInput({ event: { eventName: 'CreateImage', noReboot: true, principal } });

    // Act
    const outcome = consistentCaptureRule.evaluate(NO_ALLOW, input);

    // Assess
    expect(outcome).toEqual({
      violations: [],
      unknowns: ['the caller and capture time are unknown (found by a scan): consistency not checked'],
    });
  });
});

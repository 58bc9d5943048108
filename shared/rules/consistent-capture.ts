import * as z from 'zod/mini';
import { compileArnGlob } from '../model/arn-glob.js';
import { CREATION_RULE_ACTIONS, type RuleInput, type RuleOutcome } from '../model/types.js';
import { principalGlob } from './option-fields.js';
import { defineRule } from './rule-type.js';

/** A fresh outcome each time: callers may append to it. */
const pass = (): RuleOutcome => ({ violations: [] });

const options = () => ({
  /** App-consistent backup tools (ARN globs) whose captures of running machines are trusted. */
  allowPrincipals: z._default(z.array(principalGlob()), []),
});

/**
 * A capture of a running machine holds only what had reached the disk: an image taken with
 * NoReboot, or a snapshot of a volume attached to a running instance, may not restore cleanly
 * (EC2 docs: "Create an AMI from an instance", NoReboot).
 */
export const consistentCaptureRule = defineRule({
  type: 'consistent-capture',
  family: 'creation',
  actions: CREATION_RULE_ACTIONS,
  summary:
    'No NoReboot image of a running instance and no snapshot of a volume of a running instance, unless an allowed (app-consistent) tool made it.',
  options,
  fixHint: (ids) =>
    `The data may be inconsistent. Stop the instance or let EC2 reboot it (no NoReboot), or detach the volume, or use AWS Backup or DLM; then create the clone again and delete ${ids}.`,
  example: {
    id: 'consistent-capture',
    type: 'consistent-capture',
    severity: 'medium',
    action: 'tag',
    allowPrincipals: ['arn:aws:iam::*:role/aws-service-role/backup.amazonaws.com/*'],
  },
  evaluate(opts, input) {
    if (input.callerIsTrustedService) return pass();
    const { principal } = input.event;
    if (opts.allowPrincipals.some((glob) => compileArnGlob(glob)(principal.arn))) return pass();
    const outcome = checkCapture(input);
    if (outcome.violations.length > 0 && principal.type === 'Unknown') {
      // Found by a scan: the instance's state now is not its state at capture, and the caller
      // may have been an allowed backup tool.
      return {
        violations: [],
        unknowns: [`the caller and capture time are unknown (found by a scan): consistency not checked`],
      };
    }
    return outcome;
  },
});

function checkCapture(input: RuleInput): RuleOutcome {
  const { event, facts } = input;
  const source = facts.source;
  const sourceId = source?.id ?? event.source?.id ?? 'unknown';
  const unreadable = (what: string): RuleOutcome => ({
    violations: [],
    unknowns: [`${what} ${sourceId} could not be read: consistency not checked`],
  });
  switch (event.eventName) {
    case 'CreateImage': {
      if (event.noReboot === undefined) {
        return { violations: [], unknowns: ['CreateImage did not record NoReboot: consistency not checked'] };
      }
      if (!event.noReboot) return pass();
      if (source?.kind !== 'instance' || !source.found) return unreadable('instance');
      if (source.state === undefined) return unreadable('state of instance');
      if (source.state !== 'running') return pass();
      return {
        violations: [
          `NoReboot image of running instance ${source.id}: only data already on disk was captured (let EC2 reboot it, or stop it first)`,
        ],
      };
    }
    case 'CreateSnapshot': {
      if (source?.kind !== 'volume' || !source.found) return unreadable('volume');
      const unknowns: string[] = [];
      const violations: string[] = [];
      for (const attachment of source.attachments) {
        if (attachment.instanceState === undefined) {
          unknowns.push(
            `state of instance ${attachment.instanceId} (attached to ${source.id}) is unknown: consistency not checked`,
          );
        } else if (attachment.instanceState === 'running') {
          violations.push(
            `snapshot of volume ${source.id} attached to running instance ${attachment.instanceId}: crash-consistent only (stop the instance or use an app-consistent backup tool)`,
          );
        }
      }
      return unknowns.length > 0 ? { violations, unknowns } : { violations };
    }
    case 'CreateSnapshots': {
      // Multi-volume snapshots are crash-consistent across volumes, which is still not app-consistent.
      if (source?.kind !== 'instance' || !source.found) return unreadable('instance');
      if (source.state === undefined) return unreadable('state of instance');
      if (source.state !== 'running') return pass();
      return {
        violations: [
          `snapshots of running instance ${source.id}: crash-consistent only (stop the instance or use an app-consistent backup tool)`,
        ],
      };
    }
    default:
      // Copies and RegisterImage capture nothing from a live machine.
      return pass();
  }
}

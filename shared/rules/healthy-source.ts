import {
  CREATION_RULE_ACTIONS,
  type OriginFact,
  type RuleInput,
  type RuleOutcome,
  type SourceFact,
} from '../model/types.js';
import { defineRule } from './rule-type.js';

const QUARANTINED = 'quarantined';

/**
 * The source must be in a state that yields a usable clone. Deliberately without options:
 * loosening "healthy" per policy is how broken images get blessed.
 */
export const healthySourceRule = defineRule({
  type: 'healthy-source',
  family: 'creation',
  actions: CREATION_RULE_ACTIONS,
  summary:
    'The source must be healthy: an instance running with passing status checks (or stopped), a volume available or in use and not impaired, an image or snapshot available and not deprecated; neither it nor its origin quarantined.',
  options: () => ({}),
  fixHint: (ids) =>
    `The source was not healthy (not running, failing status checks, quarantined or deprecated). Fix the source, create the clone again, and delete ${ids}.`,
  example: { id: 'healthy-source', type: 'healthy-source', severity: 'high', action: 'tag' },
  evaluate(_opts, input) {
    const source = input.facts.source;
    if (!source?.found) {
      const id = source?.id ?? input.event.source?.id;
      return {
        violations: [],
        unknowns: [
          id
            ? `source ${id} could not be read (deleted, or in another account): its health was not checked`
            : 'the source is unknown: its health was not checked',
        ],
      };
    }
    const outcome = checkSource(source);
    if (source.tags['clonewarden:status'] === QUARANTINED) {
      outcome.violations.push(`source ${source.id} is quarantined`);
    }
    checkOrigin(source, input, outcome);
    return outcome.unknowns?.length ? outcome : { violations: outcome.violations };
  },
});

function checkSource(source: SourceFact): RuleOutcome & { unknowns: string[] } {
  const violations: string[] = [];
  const unknowns: string[] = [];
  const name = `source ${source.kind} ${source.id}`;
  if (source.state === undefined) {
    unknowns.push(`state of ${name} is unknown: its health was not checked`);
    return { violations, unknowns };
  }
  switch (source.kind) {
    case 'instance':
      // A stopped instance's disks are quiescent, so it is a sound source without status checks.
      if (source.state === 'stopped') break;
      if (source.state !== 'running') {
        violations.push(`${name} is ${source.state}, not running or stopped`);
        break;
      }
      if (source.statusChecks === 'impaired') violations.push(`${name} is impaired (status checks failed)`);
      else if (source.statusChecks === 'initializing' || source.statusChecks === 'insufficient-data') {
        violations.push(`${name}: status checks not passed yet (${source.statusChecks})`);
      } else if (source.statusChecks !== 'ok') {
        unknowns.push(`status checks of running ${name} are ${source.statusChecks}: not checked`);
      }
      break;
    case 'volume':
      if (source.state !== 'available' && source.state !== 'in-use') {
        violations.push(`${name} is ${source.state}, not available or in-use`);
      }
      if (source.statusChecks === 'impaired')
        violations.push(`${name} is impaired (volume status checks failed)`);
      // Volumes report insufficient-data routinely (e.g. when detached); only `impaired` is a finding.
      else if (source.statusChecks !== 'ok' && source.statusChecks !== 'not-applicable') {
        unknowns.push(`volume status of ${name} is ${source.statusChecks}: not checked`);
      }
      break;
    case 'image':
      if (source.state !== 'available') violations.push(`${name} is ${source.state}, not available`);
      if (source.deprecated) violations.push(`${name} is deprecated`);
      break;
    case 'snapshot':
      if (source.state !== 'completed') violations.push(`${name} is ${source.state}, not completed`);
      break;
  }
  return { violations, unknowns };
}

/**
 * An instance launched from a quarantined AMI, or a volume made from a quarantined snapshot,
 * carries the quarantined content on; cloning it must not launder the quarantine.
 */
function checkOrigin(
  source: SourceFact,
  input: RuleInput,
  outcome: RuleOutcome & { unknowns: string[] },
): void {
  const expectedOriginId =
    source.kind === 'instance' ? source.imageId : source.kind === 'volume' ? source.snapshotId : undefined;
  const origin: OriginFact | undefined = input.facts.origin;
  if (origin === undefined) {
    if (expectedOriginId) {
      outcome.unknowns.push(
        `origin ${expectedOriginId} of ${source.id} was not read: its quarantine was not checked`,
      );
    }
    return;
  }
  const made = source.kind === 'instance' ? 'launched from' : 'created from';
  if (!origin.found) {
    outcome.unknowns.push(
      `origin ${origin.kind} ${origin.id} of ${source.id} could not be read: its quarantine was not checked`,
    );
  } else if (origin.tags['clonewarden:status'] === QUARANTINED) {
    outcome.violations.push(`source ${source.id} was ${made} quarantined ${origin.kind} ${origin.id}`);
  }
}

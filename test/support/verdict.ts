import type { AlertOptions } from '../../shared/actions/alert-message.js';
import type { Lineage, PlannedAction, Principal, Verdict, Violation } from '../../shared/model/types.js';

/**
 * Builders for `Verdict` fixtures. Each call returns a fresh object, so a test can change its
 * own copy freely; pass overrides for the fields the test is about.
 */

export const IMAGE_ID = 'ami-0abc1234def567890';
export const SNAPSHOT_ID = 'snap-0123456789abcdef0';
const EVENT_ID = '3f9c1d2e-7a41-4b9e-9c55-0d8e2f6a1b23';
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:clonewarden-alerts';

export function aPrincipal(overrides: Partial<Principal> = {}): Principal {
  return {
    type: 'AssumedRole',
    arn: 'arn:aws:iam::111122223333:role/Developer',
    callerArn: 'arn:aws:sts::111122223333:assumed-role/Developer/jane@example.com',
    sessionName: 'jane@example.com',
    accountId: '111122223333',
    display: 'role/Developer (session jane@example.com)',
    ...overrides,
  };
}

export function aViolation(overrides: Partial<Violation> = {}): Violation {
  return {
    rule: 'labels',
    ruleType: 'required-tags',
    severity: 'medium',
    action: 'tag',
    resource: IMAGE_ID,
    message: 'missing required tag Owner',
    ...overrides,
  };
}

function aLineage(overrides: Partial<Lineage> = {}): Lineage {
  return {
    source: 'i-0123456789abcdef0',
    parent: 'ami-0fedcba9876543210',
    root: 'ami-0fedcba9876543210',
    generation: 2,
    evidence: ['instance i-0123456789abcdef0 was launched from ami-0fedcba9876543210'],
    ...overrides,
  };
}

export function aTagAction(overrides: Partial<Extract<PlannedAction, { type: 'tag' }>> = {}): PlannedAction {
  return {
    type: 'tag',
    target: IMAGE_ID,
    region: 'us-east-1',
    tags: { 'clonewarden:status': 'violation', 'clonewarden:violations': 'labels' },
    done: true,
    ...overrides,
  };
}

export function aQuarantineAction(
  overrides: Partial<Extract<PlannedAction, { type: 'quarantine' }>> = {},
): PlannedAction {
  return {
    type: 'quarantine',
    target: IMAGE_ID,
    kind: 'image',
    region: 'us-east-1',
    done: true,
    ...overrides,
  };
}

export function anAlertAction(
  overrides: Partial<Extract<PlannedAction, { type: 'alert' }>> = {},
): PlannedAction {
  return { type: 'alert', target: TOPIC_ARN, severity: 'high', done: false, ...overrides };
}

/** A CreateImage verdict with one medium violation, tagged; override what the test is about. */
export function aVerdict(overrides: Partial<Verdict> = {}): Verdict {
  return {
    eventId: EVENT_ID,
    eventName: 'CreateImage',
    region: 'us-east-1',
    account: '111122223333',
    resources: [IMAGE_ID],
    status: 'violation',
    violations: [aViolation()],
    unknowns: [],
    actions: [aTagAction()],
    principal: aPrincipal(),
    lineage: { [IMAGE_ID]: aLineage() },
    dryRun: false,
    ...overrides,
  };
}

/**
 * The verdict `docs/alerts.md` shows: an unapproved role clones a clone without tags, and the
 * image is quarantined.
 */
export function aQuarantinedVerdict(overrides: Partial<Verdict> = {}): Verdict {
  return aVerdict({
    status: 'quarantined',
    resources: [IMAGE_ID, SNAPSHOT_ID],
    violations: [
      aViolation({
        rule: 'who-may-clone',
        ruleType: 'allowed-principals',
        severity: 'high',
        action: 'quarantine',
        message: 'arn:aws:iam::111122223333:role/Developer may not call CreateImage',
      }),
      aViolation({ message: 'missing required tags: Owner, CostCenter' }),
      aViolation({
        rule: 'clone-depth',
        ruleType: 'max-generation',
        severity: 'high',
        action: 'quarantine',
        message: 'generation 3 exceeds the maximum of 2',
      }),
    ],
    unknowns: [{ rule: 'healthy-source', resource: IMAGE_ID, message: 'DescribeVolumeStatus not supported' }],
    actions: [
      aTagAction({
        tags: {
          'clonewarden:status': 'quarantined',
          'clonewarden:violations': 'who-may-clone,labels,clone-depth',
          'clonewarden:generation': '3',
        },
      }),
      aTagAction({
        target: SNAPSHOT_ID,
        tags: { 'clonewarden:status': 'quarantined', 'clonewarden:generation': '3' },
      }),
      aQuarantineAction({ skipped: ['DisableImage: not supported by this endpoint'] }),
      anAlertAction(),
    ],
    lineage: {
      [IMAGE_ID]: aLineage({
        parent: 'ami-0aaaabbbbccccdddd',
        root: 'ami-0fedcba9876543210',
        generation: 3,
        evidence: [
          'instance i-0123456789abcdef0 was launched from ami-0aaaabbbbccccdddd',
          'ami-0aaaabbbbccccdddd has clonewarden:generation=2',
        ],
      }),
    },
    ...overrides,
  });
}

/** The options the example in `docs/alerts.md` was generated with. */
export const DOCS_ALERT_OPTIONS: AlertOptions = {
  topicArn: TOPIC_ARN,
  dryRun: false,
  policyName: 'clonewarden.yml',
  consoleRegionUrl: true,
};

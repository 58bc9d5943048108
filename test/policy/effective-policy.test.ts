import { describe, expect, it } from 'vitest';
import { effectivePolicy, hasOrganizationalUnitOverrides } from '../../shared/policy/effective-policy.js';
import { parsePolicy } from '../../shared/policy/load-policy.js';

const POLICY = `version: 1
rules:
  - id: encrypted
    type: required-encryption
    severity: medium
    action: report
  - id: depth
    type: max-generation
    severity: high
    action: quarantine
    max: 3
overrides:
  ou-prod-11111111:
    rules:
      - id: encrypted
        type: required-encryption
        severity: critical
        action: quarantine
  ou-prod-22222222:
    alerts: { minSeverity: high }
  ou-sand-33333333:
    dryRun: true
    removeRules: [encrypted]
  "111122223333":
    rules:
      - id: depth
        type: max-generation
        severity: high
        action: quarantine
        max: 1
    exemptions:
      - principals: ["arn:aws:iam::111122223333:role/Backup*"]
        reason: the account's own backups
`;

describe('Policy: effectivePolicy', () => {
  const policy = parsePolicy(POLICY);

  it('applies OU overrides outermost first, then the account’s own: replace by id in place, append, remove', () => {
    // Act
    const { policy: effective, applied } = effectivePolicy(policy, {
      accountId: '111122223333',
      organizationalUnits: ['ou-prod-11111111', 'ou-prod-22222222'],
    });

    // Assess
    expect(applied).toEqual(['ou-prod-11111111', 'ou-prod-22222222', '111122223333']);
    expect(effective.rules.map((r) => [r.id, r.action, r.severity])).toEqual([
      ['encrypted', 'quarantine', 'critical'],
      ['depth', 'quarantine', 'high'],
    ]);
    expect(effective.rules[1]).toMatchObject({ max: 1 });
    expect(effective.alerts.minSeverity).toBe('high');
    expect(effective.exemptions).toEqual([
      { principals: ['arn:aws:iam::111122223333:role/Backup*'], reason: "the account's own backups" },
    ]);
    expect(effective.overrides).toEqual({});
  });

  it('exempts a sandbox OU from a rule and makes it dry-run, and leaves an account outside every scope as is', () => {
    // Act
    const sandbox = effectivePolicy(policy, {
      accountId: '444455556666',
      organizationalUnits: ['ou-sand-33333333'],
    });
    const plain = effectivePolicy(policy, {
      accountId: '777788889999',
      organizationalUnits: ['ou-else-44444444'],
    });

    // Assess
    expect(sandbox.policy.rules.map((r) => r.id)).toEqual(['depth']);
    expect(sandbox.policy.dryRun).toBe(true);
    expect(plain.applied).toEqual([]);
    expect(plain.policy.rules).toEqual(policy.rules);
    expect(plain.policy.dryRun).toBe(false);
  });

  it('says whether an OU lookup is needed', () => {
    expect(hasOrganizationalUnitOverrides(policy)).toBe(true);
    expect(
      hasOrganizationalUnitOverrides(
        parsePolicy('version: 1\nrules: []\noverrides: { "111122223333": { dryRun: true } }\n'),
      ),
    ).toBe(false);
  });

  it('rejects an override that removes a rule no scope has, with its path and line', () => {
    // Act / Assess
    expect(() =>
      parsePolicy('version: 1\nrules: []\noverrides:\n  "111122223333":\n    removeRules: [encrypted]\n'),
    ).toThrow(
      'overrides["111122223333"].removeRules[0]: no rule has id "encrypted" (in rules or any override) (line 5)',
    );
  });

  it('rejects a scope key that is neither an OU id nor an account id', () => {
    expect(() => parsePolicy('version: 1\nrules: []\noverrides:\n  production:\n    dryRun: true\n')).toThrow(
      /overrides\.production: expected an OU id \(ou-abcd-12345678\) or a 12-digit account id/,
    );
  });
});

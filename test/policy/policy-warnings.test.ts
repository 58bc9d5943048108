import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../shared/model/errors.js';
import { checkPolicyFile, parsePolicy } from '../../shared/policy/load-policy.js';
import { hasLapsed, policyWarnings } from '../../shared/policy/policy-warnings.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'clonewarden-policy-warnings-'));

const HEADER = 'version: 1\n';
const RULE = (extra = '', severity = 'high') =>
  `  - id: who\n    type: allowed-principals\n    severity: ${severity}\n    action: report\n    principals: ['arn:aws:iam::*:role/Platform*']\n${extra}`;

/** The warnings for a policy text, as `path: message` without line numbers. */
function warningsOf(yamlText: string): string[] {
  return policyWarnings(parsePolicy(yamlText, 'test.yml'), NOW).map(
    (warning) => `${warning.path.join('.')}: ${warning.message}`,
  );
}

describe('Policy: policyWarnings', () => {
  it('has nothing to say about the shipped policy and the test fixtures', () => {
    for (const file of [
      'clonewarden.yml',
      'test/fixtures/policy/full.yml',
      'test/fixtures/policy/example-policy.yml',
    ]) {
      expect(warningsOf(readFileSync(file, 'utf8')), file).toEqual([]);
    }
  });

  it('warns on a policy with no rules', () => {
    expect(warningsOf(`${HEADER}rules: []\n`)).toEqual([
      'rules: no rules: every clone is compliant, and no alert is ever sent',
    ]);
  });

  it('warns on an exemption that has expired, and not on one that has yet to', () => {
    // Prepare
    const policy = `${HEADER}rules:\n${RULE()}exemptions:\n  - resources: [ami-0123456789abcdef0]\n    reason: old\n    expires: 2019-01-01\n  - resources: [snap-0123456789abcdef0]\n    reason: current\n    expires: 2026-06-02\n`;

    // Act
    const warnings = warningsOf(policy);

    // Assess
    expect(warnings).toEqual([
      'exemptions.0.expires: expired 2019-01-01: it exempts nothing any more; remove it, or renew it with a new date',
    ]);
  });

  it('agrees with the engine on when a date-only expiry lapses: as that day begins, UTC', () => {
    // Prepare
    const exemption = { resources: ['ami-0123456789abcdef0'], reason: 'r', expires: '2026-06-01' };

    // Act + Assess
    expect(hasLapsed(exemption, new Date('2026-05-31T23:59:59Z'))).toBe(false);
    expect(hasLapsed(exemption, new Date('2026-06-01T00:00:01Z'))).toBe(true);
    expect(hasLapsed({ resources: ['ami-0123456789abcdef0'], reason: 'r' }, NOW)).toBe(false);
  });

  it('warns on a rule whose resources leave out every kind its events make, or some of them', () => {
    // Prepare
    const never = RULE('    resources: [image]\n    events: [CreateSnapshot, CopySnapshot]\n');
    const partly = RULE('    resources: [snapshot]\n    events: [CreateSnapshot, CreateImage]\n').replace(
      'id: who',
      'id: who2',
    );

    // Act
    const warnings = warningsOf(`${HEADER}rules:\n${never}${partly}`);

    // Assess
    expect(warnings).toEqual([
      'rules.0.resources: [image] leaves out every kind its events make (CreateSnapshot makes snapshots, CopySnapshot makes snapshots): the rule can never fire',
      'rules.1.resources: [snapshot] leaves out what some of its events make (CreateImage makes images): it never judges those',
    ]);
  });

  it('warns on alerts.minSeverity above every rule severity', () => {
    expect(warningsOf(`${HEADER}alerts:\n  minSeverity: critical\nrules:\n${RULE('', 'medium')}`)).toEqual([
      "alerts.minSeverity: critical is above every rule's severity (medium at most): no alert is ever sent",
    ]);
    expect(warningsOf(`${HEADER}alerts:\n  minSeverity: high\nrules:\n${RULE('', 'high')}`)).toEqual([]);
  });

  it('warns on globs that match every caller: an allowed principal, an exemption, a trusted service', () => {
    // Prepare
    const policy = `${HEADER}rules:\n${RULE().replace("'arn:aws:iam::*:role/Platform*'", "'arn:aws:iam::*'")}exemptions:\n  - principals: ['arn:*']\n    reason: all\ntrustedServices: [backup.amazonaws.com, 'arn:aws:*']\n`;

    // Act
    const warnings = warningsOf(policy);

    // Assess
    expect(warnings).toEqual([
      'rules.0.principals.0: "arn:aws:iam::*" matches every caller: the rule can never fire',
      'exemptions.0.principals.0: "arn:*" matches every caller: no rule fires on any event while it stands',
      'trustedServices.1: "arn:aws:*" matches every caller: all are trusted like a backup service, so the rules that spare those never fire',
    ]);
  });

  it('leaves the other policies that can never fire to the schema: no events, a malformed exemption id', () => {
    // Prepare
    const noEvents = `${HEADER}rules:\n${RULE('    events: []\n')}`;
    const badId = `${HEADER}rules:\n${RULE()}exemptions:\n  - resources: [ami-XYZ]\n    reason: typo\n`;

    // Act + Assess
    expect(() => parsePolicy(noEvents, 'test.yml')).toThrow(PolicyValidationError);
    expect(() => parsePolicy(badId, 'test.yml')).toThrow(
      /exemptions\[0\]\.resources\[0\]: expected an image or snapshot id/,
    );
  });
});

describe('Policy: checkPolicyFile', () => {
  it('gives each warning its path and line in the file, in line order', async () => {
    // Prepare
    const file = join(dir, 'stale.yml');
    writeFileSync(
      file,
      `${HEADER}alerts:\n  minSeverity: critical\nrules:\n${RULE()}exemptions:\n  - resources: [ami-0123456789abcdef0]\n    reason: old\n    expires: 2019-01-01\n`,
    );

    // Act
    const { policy, warnings } = await checkPolicyFile(file, NOW);

    // Assess
    expect(policy.rules).toHaveLength(1);
    expect(warnings).toEqual([
      "alerts.minSeverity: critical is above every rule's severity (high at most): no alert is ever sent (line 3)",
      'exemptions[0].expires: expired 2019-01-01: it exempts nothing any more; remove it, or renew it with a new date (line 13)',
    ]);
  });
});

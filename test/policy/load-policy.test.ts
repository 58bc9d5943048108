import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../shared/model/errors.js';
import { describeRuleTypes, loadPolicy, parsePolicy } from '../../shared/policy/load-policy.js';
import { DEFAULT_TRUSTED_SERVICES, policyJsonSchema } from '../../shared/policy/schema.js';
import { RULE_TYPE_NAMES } from '../../shared/rules/registry.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/policy');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** The problems a policy text is rejected with, or a failure when it is accepted. */
function problemsOf(yamlText: string): string[] {
  try {
    parsePolicy(yamlText, 'test.yml');
  } catch (error) {
    if (error instanceof PolicyValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

const HEADER = 'version: 1\nrules:\n';
const DEPTH_RULE = '  - id: depth\n    type: max-generation\n    severity: high\n    action: quarantine\n';

describe('Policy: parsePolicy', () => {
  it('parses the annotated example policy with every option', () => {
    // Act
    const policy = parsePolicy(fixture('example-policy.yml'), 'clonewarden.yml');

    // Assess
    expect(policy.rules.map((rule) => rule.id)).toEqual([
      'labels',
      'who-may-clone',
      'clone-depth',
      'healthy-source',
      'consistent-capture',
      'fresh-source',
    ]);
    expect(policy.rules[0]).toMatchObject({
      type: 'required-tags',
      inheritFromSource: true,
      tags: { Owner: { pattern: '^[a-z0-9._-]+@example\\.com$' }, Expiry: { date: true, maxDaysAhead: 90 } },
    });
    expect(policy.exemptions).toEqual([
      { principals: ['arn:aws:iam::*:role/BreakGlass'], reason: 'incident response' },
      { resources: ['ami-0123456789abcdef0'], reason: 'golden image, reviewed 2026-10' },
    ]);
    expect(policy.prune).toEqual({
      dryRun: true,
      graceDays: 7,
      expiryTag: 'Expiry',
      maxAgeDays: { image: 365, snapshot: 90 },
      pricePerGbMonth: 0.05,
    });
  });

  it('parses a policy that sets every field', () => {
    // Act
    const policy = parsePolicy(fixture('full.yml'), 'full.yml');

    // Assess
    expect(policy).toMatchObject({
      dryRun: true,
      alerts: { topicArn: 'arn:aws:sns:eu-west-1:111122223333:security-alerts', minSeverity: 'medium' },
      trustedServices: [
        'backup.amazonaws.com',
        'arn:aws:iam::*:role/aws-service-role/backup.amazonaws.com/*',
      ],
      prune: {
        dryRun: false,
        graceDays: 14,
        expiryTag: 'DeleteAfter',
        maxQuarantineDays: 30,
        pricePerGbMonth: 0.045,
      },
    });
    expect(policy.rules).toHaveLength(7);
    expect(policy.rules[0]?.resources).toEqual(['image']);
    expect(policy.exemptions[0]).toEqual({
      principals: ['arn:aws:iam::*:role/BreakGlass'],
      reason: 'incident response',
      expires: '2030-01-31',
    });
  });

  it('fills in every default', () => {
    // Act
    const policy = parsePolicy(fixture('minimal.yml'));

    // Assess
    expect(policy).toEqual({
      version: 1,
      dryRun: false,
      alerts: { minSeverity: 'low' },
      rules: [
        {
          id: 'clone-depth',
          type: 'max-generation',
          severity: 'high',
          action: 'quarantine',
          resources: ['image', 'snapshot'],
          max: 2,
        },
      ],
      exemptions: [],
      trustedServices: [...DEFAULT_TRUSTED_SERVICES],
      prune: { dryRun: true, graceDays: 7, expiryTag: 'Expiry', maxAgeDays: {}, pricePerGbMonth: 0.05 },
      audit: { regions: [], organizationAccounts: [], shareChecks: 2000, securityHub: { enabled: false } },
      overrides: {},
    });
  });

  it('defaults the options of a rule type', () => {
    // Prepare
    const yamlText = `${HEADER}  - { id: t, type: required-tags, severity: low, action: report, tags: { Owner: {} } }\n  - { id: c, type: consistent-capture, severity: low, action: report }\n`;

    // Act
    const policy = parsePolicy(yamlText);

    // Assess
    expect(policy.rules[0]).toMatchObject({ inheritFromSource: false, tags: { Owner: {} } });
    expect(policy.rules[1]).toMatchObject({ allowPrincipals: [] });
  });

  it('accepts an empty rule list written out', () => {
    // Act
    const policy = parsePolicy('version: 1\nrules: []\n');

    // Assess
    expect(policy.rules).toEqual([]);
  });

  it('accepts every audit region the CLI accepts, two-digit region numbers included', () => {
    // Act
    const policy = parsePolicy(
      'version: 1\nrules: []\naudit:\n  regions: [ap-southeast-10, us-gov-west-1]\n',
    );

    // Assess
    expect(policy.audit.regions).toEqual(['ap-southeast-10', 'us-gov-west-1']);
    expect(problemsOf('version: 1\nrules: []\naudit:\n  regions: [eu-west]\n')).toEqual([
      'audit.regions[0]: expected an AWS region such as eu-west-1, got "eu-west" (line 4)',
    ]);
  });

  it.each([
    {
      case: 'a max that is not a positive integer',
      yaml: `${HEADER}${DEPTH_RULE}    max: 0\n`,
      expected: ['rules[0].max: expected a positive integer (line 7)'],
    },
    {
      case: 'a max that is a string',
      yaml: `${HEADER}${DEPTH_RULE}    max: "2"\n`,
      expected: ['rules[0].max: expected a positive integer (line 7)'],
    },
    {
      case: 'a missing option, pointing at its rule',
      yaml: `${HEADER}${DEPTH_RULE}`,
      expected: ['rules[0].max: missing; expected a positive integer (line 3)'],
    },
    {
      case: 'an unknown key in a rule, with the allowed keys',
      yaml: `${HEADER}${DEPTH_RULE}    max: 2\n    maxx: 3\n`,
      expected: [
        'rules[0].maxx: unknown key (did you mean "max"?); allowed here: id, type, severity, action, resources, max (line 8)',
      ],
    },
    {
      case: 'an unknown top-level key',
      yaml: `${HEADER}${DEPTH_RULE}    max: 2\nexemption: []\n`,
      expected: [
        'exemption: unknown key (did you mean "exemptions"?); allowed here: version, dryRun, alerts, rules, exemptions, trustedServices, prune, ledgerRetentionDays, audit, overrides (line 8)',
      ],
    },
    {
      case: 'an unknown rule type, with the known ones',
      yaml: `${HEADER}  - id: x\n    type: max-generations\n    severity: high\n    action: report\n`,
      expected: [
        `rules[0].type: unknown rule type "max-generations" (did you mean "max-generation"?); known types: ${RULE_TYPE_NAMES.join(', ')} (line 4)`,
      ],
    },
    {
      case: 'a rule without a type',
      yaml: `${HEADER}  - id: x\n    severity: high\n    action: report\n`,
      expected: [`rules[0].type: missing; set type to one of: ${RULE_TYPE_NAMES.join(', ')} (line 3)`],
    },
    {
      case: 'a duplicate rule id',
      yaml: `${HEADER}${DEPTH_RULE}    max: 2\n${DEPTH_RULE}    max: 3\n`,
      expected: ['rules[1].id: duplicate rule id "depth" (also rules[0]); ids must be unique (line 8)'],
    },
    {
      case: 'a bad regular expression',
      yaml: `${HEADER}  - id: t\n    type: required-tags\n    severity: low\n    action: tag\n    tags:\n      Owner:\n        pattern: "[a-z"\n`,
      expected: [
        'rules[0].tags.Owner.pattern: "[a-z" is not a valid regular expression (Unterminated character class) (line 9)',
      ],
    },
    {
      case: 'a required clonewarden: tag',
      yaml: `${HEADER}  - id: t\n    type: required-tags\n    severity: low\n    action: tag\n    tags:\n      "clonewarden:status": {}\n`,
      expected: [
        'rules[0].tags["clonewarden:status"]: tag clonewarden:status is in the clonewarden: namespace, which only the enforcer writes; require a key of your own (line 8)',
      ],
    },
    {
      case: 'a required aws: tag',
      yaml: `${HEADER}  - id: t\n    type: required-tags\n    severity: low\n    action: tag\n    tags:\n      "aws:backup:source-resource": {}\n`,
      expected: [
        'rules[0].tags["aws:backup:source-resource"]: tag aws:backup:source-resource is in the aws: namespace, which AWS reserves; it cannot be required (line 8)',
      ],
    },
    {
      case: 'an empty tag list',
      yaml: `${HEADER}  - id: t\n    type: required-tags\n    severity: low\n    action: tag\n    tags: {}\n`,
      expected: ['rules[0].tags: list at least one required tag (line 7)'],
    },
    {
      case: 'maxDaysAhead without date',
      yaml: `${HEADER}  - id: t\n    type: required-tags\n    severity: low\n    action: tag\n    tags:\n      Expiry: { maxDaysAhead: 30 }\n`,
      expected: [
        'rules[0].tags.Expiry.maxDaysAhead: maxDaysAhead only applies to dates; add date: true (line 8)',
      ],
    },
    {
      case: 'a misspelt severity',
      yaml: `${HEADER}  - id: x\n    type: healthy-source\n    severity: hgh\n    action: report\n`,
      expected: [
        'rules[0].severity: expected one of low, medium, high, critical, got "hgh" (did you mean "high"?) (line 5)',
      ],
    },
    {
      case: 'an allowed-principals rule with an empty list and an unknown event',
      yaml: `${HEADER}  - id: who\n    type: allowed-principals\n    severity: high\n    action: report\n    principals: []\n    events: [CreateImages]\n`,
      expected: [
        'rules[0].principals: list at least one principal ARN glob (line 7)',
        'rules[0].events[0]: expected one of CreateImage, CreateSnapshot, CreateSnapshots, CopyImage, CopySnapshot, RegisterImage, got "CreateImages" (did you mean "CreateImage"?) (line 8)',
      ],
    },
    {
      case: 'a boolean written as yes',
      yaml: 'version: 1\ndryRun: yes\nrules: []\n',
      expected: ['dryRun: expected true or false, got "yes" (line 2)'],
    },
    {
      case: 'a missing version and rules',
      yaml: 'dryRun: true\n',
      expected: [
        'version: missing; start the file with version: 1 (line 1)',
        'rules: missing; list the rules (rules: [] for none) (line 1)',
      ],
    },
    {
      case: 'a file that is a list, not a mapping',
      yaml: '- version: 1\n',
      expected: ['(top level): expected a mapping (key: value), got a list (line 1)'],
    },
    {
      case: 'an exemption with neither principals nor resources',
      yaml: 'version: 1\nrules: []\nexemptions:\n  - reason: because\n',
      expected: [
        'exemptions[0]: give the principals (ARN globs) or the resources (ami-…/snap-… ids) it exempts (line 4)',
      ],
    },
    {
      case: 'an exemption without a reason, for everyone',
      yaml: 'version: 1\nrules: []\nexemptions:\n  - principals: ["*"]\n',
      expected: [
        'exemptions[0].principals[0]: expected an IAM ARN glob such as arn:aws:iam::*:role/Platform* or a service principal such as backup.amazonaws.com, got "*" (line 4)',
        'exemptions[0].reason: missing; give a reason: exemptions are reviewed by people (line 4)',
      ],
    },
    {
      case: 'an exemption with a bad expiry date',
      yaml: 'version: 1\nrules: []\nexemptions:\n  - resources: [snap-0123456789abcdef0]\n    reason: r\n    expires: 2026-13-01\n',
      expected: ['exemptions[0].expires: expected a date as YYYY-MM-DD, got "2026-13-01" (line 6)'],
    },
    {
      case: 'a topic ARN that is not SNS',
      yaml: 'version: 1\nrules: []\nalerts:\n  topicArn: arn:aws:sqs:us-east-1:111122223333:q\n',
      expected: [
        'alerts.topicArn: expected an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:clonewarden-alerts, got "arn:aws:sqs:us-east-1:111122223333:q" (line 4)',
      ],
    },
    {
      case: 'prune settings out of range',
      yaml: 'version: 1\nrules: []\nprune:\n  graceDays: 0\n  pricePerGbMonth: -1\n  expiryTag: clonewarden:prune-after\n',
      expected: [
        'prune.graceDays: expected a positive integer (line 4)',
        'prune.pricePerGbMonth: must be at least 0 (line 5)',
        'prune.expiryTag: "clonewarden:prune-after" is a reserved tag key; use a key of your own such as Expiry (line 6)',
      ],
    },
  ])('reports $case with its path and line', ({ yaml, expected }) => {
    // Act
    const problems = problemsOf(yaml);

    // Assess
    expect(problems).toEqual(expected);
  });

  it('reports every problem of a badly broken policy in one pass, in file order', () => {
    // Act
    const problems = problemsOf(fixture('invalid-many.yml'));

    // Assess
    expect(problems).toHaveLength(18);
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'dryRun',
      'alerts.topicArn',
      'alerts.minSeverity',
      'rules[0].tags.Owner.pattern',
      'rules[0].tags["clonewarden',
      'rules[0].tags.Expiry.maxDaysAhead',
      'rules[1].max',
      'rules[2].id',
      'rules[2].maxDays',
      'rules[3].type',
      'rules[4].max',
      'rules[4].severity',
      'exemptions[0].reason',
      'exemptions[0].principals[0]',
      'exemptions[1].resources[0]',
      'exemptions[1]',
      'prune.graceDays',
      'prune.color',
    ]);
    expect(problems.every((problem) => / \(line \d+\)$/.test(problem))).toBe(true);
  });

  it('reports YAML syntax errors with their line', () => {
    // Act
    const problems = problemsOf(fixture('invalid-syntax.yml'));

    // Assess
    expect(problems[0]).toBe('YAML syntax: All mapping items must start at the same column (line 5)');
  });

  it('reports a duplicate key as a YAML error', () => {
    // Act
    const problems = problemsOf('version: 1\nrules: []\nrules: []\n');

    // Assess
    expect(problems).toEqual(['YAML syntax: Map keys must be unique (line 3)']);
  });

  it('rejects an empty file', () => {
    // Act
    const problems = problemsOf('# nothing here\n');

    // Assess
    expect(problems).toEqual(['(top level): the file is empty; start it with version: 1']);
  });

  it('refuses to expand an alias bomb', () => {
    // Prepare
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 6; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }

    // Act
    const problems = problemsOf(`version: 1\nrules: []\n${levels.join('\n')}\n`);

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\(top level\): .*alias/i);
  });

  it('names the file in the error message', () => {
    // Act
    const act = () => parsePolicy('version: 2\nrules: []\n', 'prod/clonewarden.yml');

    // Assess
    expect(act).toThrow(
      /^prod\/clonewarden\.yml is not a valid clonewarden policy \(1 problem\)\n {2}version: unsupported version 2/,
    );
  });
});

describe('Policy: loadPolicy', () => {
  it('loads and validates a policy file', async () => {
    // Act
    const policy = await loadPolicy(join(FIXTURES, 'example-policy.yml'));

    // Assess
    expect(policy.rules).toHaveLength(6);
  });

  it('explains a missing file and how to point at the right one', async () => {
    // Prepare
    const missing = join(await mkdtemp(join(tmpdir(), 'clonewarden-')), 'clonewarden.yml');

    // Act
    const loading = loadPolicy(missing);

    // Assess
    await expect(loading).rejects.toThrow(PolicyValidationError);
    await expect(loading).rejects.toThrow(
      `policy file not found: ${missing}; give the path with --policy <file> or the CLONEWARDEN_POLICY environment variable`,
    );
  });

  it('names the file in validation errors', async () => {
    // Prepare
    const path = join(FIXTURES, 'invalid-version.yml');

    // Act
    const loading = loadPolicy(path);

    // Assess
    await expect(loading).rejects.toThrow(`${path} is not a valid clonewarden policy (1 problem)`);
  });
});

describe('Policy: describeRuleTypes', () => {
  it('lists every rule type with its summary and a complete example', () => {
    // Act
    const text = describeRuleTypes();

    // Assess
    for (const type of RULE_TYPE_NAMES) expect(text).toContain(`${type}\n`);
    expect(text).toContain('    - id: clone-depth\n      type: max-generation\n');
    expect(text).toContain('max: 2');
  });
});

describe('Policy: policyJsonSchema', () => {
  it('describes the file for editors, one rule schema per type', () => {
    // Act
    const schema = policyJsonSchema() as {
      required: string[];
      properties: { rules: { items: { oneOf?: unknown[]; anyOf?: unknown[] } } };
    };

    // Assess
    expect(schema.required).toEqual(['version', 'rules']);
    const options = schema.properties.rules.items.oneOf ?? schema.properties.rules.items.anyOf;
    expect(options).toHaveLength(RULE_TYPE_NAMES.length);
  });
});

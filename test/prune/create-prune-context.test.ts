import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../../shared/aws/clients.js';
import { createPruneContext } from '../../shared/prune/create-prune-context.js';
import { resolveSettings } from '../../shared/settings/resolve-settings.js';

const SANDBOX_OU = 'ou-ab12-sandbox1';
const SANDBOX_ACCOUNT = '222233334444';
const OTHER_ACCOUNT = '333344445555';

/** The sandbox case: its OU drops the encryption rule, exempts its developers, and is dry. */
function writePolicy(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'clonewarden-prune-context-')), 'clonewarden.yml');
  writeFileSync(
    path,
    `version: 1
rules:
  - { id: encrypted, type: required-encryption, severity: critical, action: quarantine }
prune: { dryRun: false }
overrides:
  ${SANDBOX_OU}:
    removeRules: [encrypted]
    dryRun: true
    exemptions:
      - { principals: ["arn:aws:iam::*:role/Developer"], reason: sandbox }
`,
  );
  return path;
}

const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
const metrics = { count: vi.fn() };

async function contextFor(scope?: { account: string }) {
  const organizationalUnitsOf = vi.fn(async (account: string) =>
    account === SANDBOX_ACCOUNT ? ['ou-ab12-root0001', SANDBOX_OU] : ['ou-ab12-root0001'],
  );
  const context = await createPruneContext({
    settings: resolveSettings({ policy: writePolicy() }, {}),
    aws: createAwsClients({ region: 'eu-west-1' }),
    log,
    metrics,
    ...(scope ? { scope: { account: scope.account, organization: { organizationalUnitsOf } } } : {}),
  });
  return { context, organizationalUnitsOf };
}

describe('Prune context: the policy in force in the pruned account', () => {
  it("puts a sandbox OU's override in force in its account: rules removed, exemptions added, dry", async () => {
    // Act
    const { context, organizationalUnitsOf } = await contextFor({ account: SANDBOX_ACCOUNT });

    // Assess
    expect(organizationalUnitsOf).toHaveBeenCalledWith(SANDBOX_ACCOUNT);
    expect(context.policy.rules).toEqual([]);
    expect(context.policy.exemptions.map((e) => e.reason)).toEqual(['sandbox']);
    expect(context.policy.overrides).toEqual({});
    expect(context.dryRun).toBe(true);
  });

  it('keeps the base policy in an account outside the OU', async () => {
    // Act
    const { context } = await contextFor({ account: OTHER_ACCOUNT });

    // Assess
    expect(context.policy.rules.map((r) => r.id)).toEqual(['encrypted']);
    expect(context.policy.exemptions).toEqual([]);
    expect(context.dryRun).toBe(false);
  });

  it('keeps the base policy without a scope (single-account mode), and reads no OU', async () => {
    // Act
    const { context, organizationalUnitsOf } = await contextFor();

    // Assess
    expect(organizationalUnitsOf).not.toHaveBeenCalled();
    expect(context.policy.rules.map((r) => r.id)).toEqual(['encrypted']);
    expect(Object.keys(context.policy.overrides)).toEqual([SANDBOX_OU]);
    expect(context.dryRun).toBe(false);
  });
});

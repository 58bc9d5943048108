import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { GOVERNED_EVENT_NAMES } from '../../shared/events/event-table.js';
import { parseCloneEvent } from '../../shared/events/parse-clone-event.js';
import { policyLocation } from '../../shared/settings/environment.js';
import { resolveSettings } from '../../shared/settings/resolve-settings.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.serverless');
const TEMPLATE = join(OUT, 'cloudformation-template-update-stack.json');
const ZIP = join(OUT, 'enforce.zip');
const CFN_LINT = join(ROOT, '.venv/bin/cfn-lint');
const MEMBER_TEMPLATE = join(OUT, 'member', 'clonewarden-member.yml');
/** A real DeregisterImage record (test/fixtures/real-records/README.md); its caller is replaced below. */
const DEREGISTER_IMAGE_RECORD = join(
  ROOT,
  'test/fixtures/real-records/2021-spotlight-ec2-deregister-image.json',
);
/** Values for CloudFormation pseudo parameters, to resolve the template's ARNs. */
const PSEUDO_PARAMETERS: Record<string, string> = {
  Partition: 'aws',
  Region: 'us-east-1',
  AccountId: '123456789012',
};

/** The clone-creating calls, which the rule must route whatever other families are governed. */
const CLONE_EVENT_NAMES = [
  'CreateImage',
  'CreateSnapshot',
  'CreateSnapshots',
  'CopyImage',
  'CopySnapshot',
  'RegisterImage',
];
/** The tampering family: calls that could undo what the ledger holds. */
const TAMPER_EVENT_NAMES = [
  'CreateTags',
  'DeleteTags',
  'EnableImage',
  'DisableImageDeprecation',
  'DeregisterImage',
  'DeleteSnapshot',
  'RestoreImageFromRecycleBin',
  'RestoreSnapshotFromRecycleBin',
];

interface CfnResource {
  Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is read loosely; the assertions are the checks.
  Properties?: Record<string, any>;
}
type Template = { Resources: Record<string, CfnResource>; Outputs?: Record<string, unknown> };

interface CfnLintFinding {
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Rule: { Id: string };
  Location: { Start: { LineNumber: number }; Path: (string | number)[] };
}

interface ZipEntry {
  name: string;
  read(): Buffer;
}

/** Reads a zip's central directory; enough for the archives osls writes (no zip64, no encryption). */
function readZip(file: string): ZipEntry[] {
  const zip = readFileSync(file);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip archive`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    entries.push({
      name,
      read() {
        const dataStart =
          localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
        const data = zip.subarray(dataStart, dataStart + compressedSize);
        if (method === 0) return Buffer.from(data);
        if (method === 8) return inflateRawSync(data);
        throw new Error(`${name}: unsupported zip compression method ${method}`);
      },
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** The logical id a `Ref` or `Fn::GetAtt` points at, or undefined for anything else. */
function referencedId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const ref = (value as { Ref?: unknown }).Ref;
    if (typeof ref === 'string') return ref;
    const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
    const sub = (value as { 'Fn::Sub'?: unknown })['Fn::Sub'];
    if (typeof sub === 'string') return /^\$\{([A-Za-z0-9]+)\.Arn\}$/.exec(sub)?.[1];
  }
  return undefined;
}

let template: Template;

beforeAll(() => {
  // Prepare: one offline, non-interactive package run for every test in this file.
  const output = execFileSync('bash', ['scripts/package.sh'], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 240_000,
  });
  console.log(output.trim());
  template = JSON.parse(readFileSync(TEMPLATE, 'utf8'));
});

/** cfn-lint's findings on a template, read from its JSON (exit codes are bit flags: 2 errors, 4 warnings, 8 informational). */
function cfnLint(file: string): CfnLintFinding[] {
  // The pinned cfn-lint lives in the project venv; create it rather than skip.
  if (!existsSync(CFN_LINT)) {
    execFileSync('bash', ['scripts/emulator.sh', 'install'], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  expect(existsSync(CFN_LINT), `${CFN_LINT} is still missing after scripts/emulator.sh install`).toBe(true);
  try {
    return JSON.parse(execFileSync(CFN_LINT, ['--format', 'json', file], { cwd: ROOT, encoding: 'utf8' }));
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; status?: number };
    if (!failed.stdout) throw new Error(`cfn-lint crashed (exit ${failed.status}): ${failed.stderr}`);
    return JSON.parse(failed.stdout);
  }
}

/**
 * The findings, one line each. Warnings too: each one is fixed in the template's source, or the
 * template would drift into noise.
 */
function lintLines(findings: CfnLintFinding[]): string[] {
  return findings.map(
    (f) => `${f.Rule.Id} ${f.Location.Path.join('/')} (line ${f.Location.Start.LineNumber}): ${f.Message}`,
  );
}

describe('Packaging: CloudFormation template', () => {
  it('passes cfn-lint without errors or warnings', () => {
    // Act
    const findings = cfnLint(TEMPLATE);

    // Assess
    expect(lintLines(findings)).toEqual([]);
  });

  it('defines the enforce function on nodejs22.x, arm64, with its own role', () => {
    // Act
    const fn = template.Resources.EnforceLambdaFunction;

    // Assess
    expect(fn?.Type).toBe('AWS::Lambda::Function');
    expect(fn?.Properties?.Runtime).toBe('nodejs22.x');
    expect(fn?.Properties?.Architectures).toEqual(['arm64']);
    expect(fn?.Properties?.Handler).toBe('functions/enforce.handler');
    expect(fn?.Properties?.MemorySize).toBeGreaterThanOrEqual(128);
    expect(fn?.Properties?.MemorySize).toBeLessThanOrEqual(256);
    expect(referencedId(fn?.Properties?.Role)).toBe('EnforceRole');
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    expect(Object.keys(fn?.Properties?.Environment?.Variables ?? {}).sort()).toEqual([
      'CLONEWARDEN_ALERT_TOPIC_ARN',
      'CLONEWARDEN_DRY_RUN',
      'CLONEWARDEN_ENFORCER_ROLE_ARN',
      'CLONEWARDEN_IDEMPOTENCY_TABLE',
      'CLONEWARDEN_LEDGER_TABLE',
      'CLONEWARDEN_MEMBER_ROLE',
      'CLONEWARDEN_POLICY',
      'POWERTOOLS_LOG_LEVEL',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_SERVICE_NAME',
    ]);
  });

  it('routes every governed CloudTrail call (the six clone-creating ones and the tampering ones among them) to enforce, with retries and a DLQ', () => {
    // Act
    const rules = resourcesOfType(template, 'AWS::Events::Rule').map(([, rule]) => rule.Properties ?? {});
    // The rule's pattern has one branch ($or) for CloudTrail calls and one for EC2 AMI State Change.
    const branchOf = (r: { EventPattern?: { $or?: { 'detail-type'?: string[] }[] } }, detailType: string) =>
      // biome-ignore lint/suspicious/noExplicitAny: the template is read loosely; the assertions are the check.
      r.EventPattern?.$or?.find((branch) => branch['detail-type']?.includes(detailType)) as any;
    const rule = rules.find((r) => branchOf(r, 'AWS API Call via CloudTrail'));
    const calls = rule && branchOf(rule, 'AWS API Call via CloudTrail');

    // Assess
    expect(rule, 'no EventBridge rule for CloudTrail API calls').toBeDefined();
    expect(rule?.EventPattern.source).toEqual(['aws.ec2']);
    expect(calls?.detail.eventSource).toEqual(['ec2.amazonaws.com']);
    expect([...(calls?.detail.eventName ?? [])].sort()).toEqual([...GOVERNED_EVENT_NAMES].sort());
    expect(calls?.detail.eventName).toEqual(expect.arrayContaining(CLONE_EVENT_NAMES));
    expect(branchOf(rule!, 'EC2 AMI State Change')?.detail).toEqual({ State: ['available', 'failed'] });
    expect(calls?.detail.eventName).toEqual(expect.arrayContaining(TAMPER_EVENT_NAMES));
    const [target] = rule?.Targets ?? [];
    expect(referencedId(target.Arn)).toBe('EnforceLambdaFunction');
    expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(3600);
    expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBeLessThanOrEqual(86400);
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    const dlq = referencedId(target.DeadLetterConfig?.Arn);
    expect(dlq && template.Resources[dlq]?.Type).toBe('AWS::SQS::Queue');
    // EventBridge may only send to the DLQ if the queue policy lets this rule do so.
    const queuePolicy = resourcesOfType(template, 'AWS::SQS::QueuePolicy').find(([, p]) =>
      p.Properties?.Queues.some((q: unknown) => referencedId(q) === dlq),
    );
    const [grant] = queuePolicy?.[1].Properties?.PolicyDocument.Statement ?? [];
    expect(grant?.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(grant?.Action).toBe('sqs:SendMessage');
    expect(JSON.stringify(grant?.Condition?.ArnEquals?.['aws:SourceArn'])).toContain(`rule/${rule?.Name}`);
  });

  it('sends failed asynchronous invocations to an SQS on-failure destination', () => {
    // Act
    const [, config] = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')[0] ?? [];

    // Assess
    expect(referencedId(config?.Properties?.FunctionName)).toBe('EnforceLambdaFunction');
    expect(config?.Properties?.MaximumRetryAttempts).toBe(2);
    const destination = referencedId(config?.Properties?.DestinationConfig?.OnFailure?.Destination);
    expect(destination && template.Resources[destination]?.Type).toBe('AWS::SQS::Queue');
  });

  it('encrypts the alerts topic with a rotating customer-managed key', () => {
    // Act
    const topic = template.Resources.AlertsTopic;
    const key = template.Resources[referencedId(topic?.Properties?.KmsMasterKeyId) ?? ''];

    // Assess
    expect(topic?.Type).toBe('AWS::SNS::Topic');
    expect(key?.Type).toBe('AWS::KMS::Key');
    expect(key?.Properties?.EnableKeyRotation).toBe(true);
  });

  it('keeps idempotency records in a table with TTL on expiration', () => {
    // Act
    const table = template.Resources.IdempotencyTable?.Properties;

    // Assess
    expect(table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(table?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table?.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
    expect(table?.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled).toBe(true);
    expect(table?.SSESpecification?.SSEEnabled).toBe(true);
  });

  it('alarms to the alerts topic on every dead-letter queue', () => {
    // Act
    // A work queue (the organization prune's) hands its failures to a DLQ: the DLQ is alarmed.
    const queues = resourcesOfType(template, 'AWS::SQS::Queue')
      .filter(([, queue]) => !queue.Properties?.RedrivePolicy)
      .map(([id]) => id);
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(
      ([, alarm]) => alarm.Properties ?? {},
    );

    // Assess
    expect(queues.length).toBe(3);
    for (const queue of queues) {
      const alarm = alarms.find(
        (a) =>
          a.Namespace === 'AWS/SQS' &&
          a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          a.Dimensions.some((d: { Value: unknown }) => referencedId(d.Value) === queue),
      );
      expect(alarm, `no alarm on ${queue}`).toBeDefined();
      expect(alarm?.ComparisonOperator).toBe('GreaterThanThreshold');
      expect(alarm?.Threshold).toBe(0);
      expect(alarm?.AlarmActions.map(referencedId)).toEqual(['AlertsTopic']);
    }
  });
});

describe('Packaging: organization mode (hub parameters and member template)', () => {
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation is read loosely; the assertions are the checks.
  let member: any;
  beforeAll(() => {
    member = parseYaml(readFileSync(MEMBER_TEMPLATE, 'utf8'));
  });

  it('passes cfn-lint without errors or warnings: the member template, as packaged', () => {
    // Act
    const findings = cfnLint(MEMBER_TEMPLATE);

    // Assess
    expect(lintLines(findings)).toEqual([]);
  });

  it('keeps single-account mode the default: every hub resource is conditional on an organization id', () => {
    // Act
    // biome-ignore lint/suspicious/noExplicitAny: CloudFormation is read loosely.
    const parameters = (template as any).Parameters;
    const conditional = Object.entries(template.Resources)
      .filter(([, r]) => (r as { Condition?: string }).Condition === 'OrganizationMode')
      .map(([id]) => id)
      .sort();
    const variable =
      template.Resources.EnforceLambdaFunction?.Properties?.Environment?.Variables.CLONEWARDEN_MEMBER_ROLE;
    // The audit reads through the member template's read-only role, whose name osls leaves to CloudFormation.
    const auditVariable =
      template.Resources.AuditLambdaFunction?.Properties?.Environment?.Variables.CLONEWARDEN_MEMBER_ROLE;

    // Assess
    expect(parameters.OrganizationId.Default).toBe('');
    expect(conditional).toEqual([
      'HubCloneEventsPermission',
      'HubCloneEventsRule',
      'HubEventBus',
      'HubEventBusPolicy',
    ]);
    expect(variable).toEqual({ 'Fn::If': ['OrganizationMode', { Ref: 'MemberRoleName' }, ''] });
    expect(auditVariable).toEqual({
      'Fn::If': ['OrganizationMode', { 'Fn::Sub': `\${MemberRoleName}-audit` }, ''],
    });
  });

  it("accepts events on the hub bus only from the organization, and routes them like the default bus's", () => {
    // Act
    const policy = template.Resources.HubEventBusPolicy?.Properties;
    const hubRule = template.Resources.HubCloneEventsRule?.Properties;
    const defaultRule = resourcesOfType(template, 'AWS::Events::Rule')
      .map(([, r]) => r.Properties ?? {})
      .find((r) => r.EventPattern && referencedId(r.EventBusName) !== 'HubEventBus');
    const [target] = hubRule?.Targets ?? [];

    // Assess
    expect(policy?.Statement).toMatchObject({
      Effect: 'Allow',
      Principal: '*',
      Action: 'events:PutEvents',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
    });
    expect(referencedId(hubRule?.EventBusName)).toBe('HubEventBus');
    expect(hubRule?.EventPattern).toEqual(defaultRule?.EventPattern);
    expect(referencedId(target.Arn)).toBe('EnforceLambdaFunction');
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(referencedId(target.DeadLetterConfig.Arn)).toBe('EventBridgeDeadLetterQueue');
    expect(referencedId(template.Resources.HubCloneEventsPermission?.Properties?.SourceArn)).toBe(
      'HubCloneEventsRule',
    );
  });

  it("forwards a member account's clone events to the hub bus, with a role, retries and its own DLQ", () => {
    // Act
    const rule = member.Resources.ForwardCloneEventsRule.Properties;
    const [target] = rule.Targets;
    const role = member.Resources[referencedId(target.RoleArn) ?? ''];
    const dlq = referencedId(target.DeadLetterConfig.Arn) ?? '';
    const queuePolicy = member.Resources.ForwardingDeadLetterQueuePolicy.Properties;

    // Assess
    expect(rule.EventPattern).toEqual(
      resourcesOfType(template, 'AWS::Events::Rule')
        .map(([, r]) => r.Properties ?? {})
        .find((r) => r.EventPattern && referencedId(r.EventBusName) !== 'HubEventBus')?.EventPattern,
    );
    expect(target.Arn['Fn::Sub']).toMatch(/:event-bus\/clonewarden-\$\{Stage\}-hub$/);
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.Properties.Policies[0].PolicyDocument.Statement[0].Action).toEqual(['events:PutEvents']);
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(member.Resources[dlq].Type).toBe('AWS::SQS::Queue');
    expect(queuePolicy.Queues.map(referencedId)).toEqual([dlq]);
    expect(queuePolicy.PolicyDocument.Statement[0].Condition.ArnEquals['aws:SourceArn']['Fn::Sub']).toContain(
      `rule/${rule.Name['Fn::Sub']}`,
    );
  });
});

describe('Packaging: enforce.zip', () => {
  it('holds the ESM bundle, its source map and the policy file, and no node_modules', () => {
    // Act
    const entries = readZip(ZIP);
    const names = entries.map((e) => e.name);
    const bundle =
      entries
        .find((e) => e.name === 'functions/enforce.mjs')
        ?.read()
        .toString('utf8') ?? '';

    // Assess
    expect(names).toContain('functions/enforce.mjs');
    expect(names).toContain('functions/enforce.mjs.map');
    expect(names.filter((n) => n.includes('node_modules/'))).toEqual([]);
    expect(bundle.startsWith('import { createRequire')).toBe(true);
    expect(bundle.trimEnd().endsWith('//# sourceMappingURL=enforce.mjs.map')).toBe(true);
    const policy = entries.find((e) => e.name === 'clonewarden.yml');
    expect(policy, 'clonewarden.yml is not packaged').toBeDefined();
    expect(policy?.read().toString('utf8')).toBe(readFileSync(join(ROOT, 'clonewarden.yml'), 'utf8'));
  });
});

/** Each function's zip and entry bundle, read from serverless.yml (`functions/<entry>.handler`). */
function functionZips(): { fn: string; zip: string; entry: string }[] {
  const config = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
    functions: Record<string, { handler: string }>;
  };
  return Object.entries(config.functions).map(([name, { handler }]) => ({
    fn: name,
    zip: join(OUT, `${name}.zip`),
    entry: `${handler.slice(0, handler.lastIndexOf('.'))}.mjs`,
  }));
}

/**
 * The .mjs files an entry can load, found by letting esbuild resolve the unzipped package from
 * the entry: static imports and `await import()` alike; a file it imports but the zip lacks
 * fails the build ("Could not resolve").
 */
async function loadableModules(dir: string, entry: string) {
  const result = await build({
    absWorkingDir: dir,
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    write: false,
    metafile: true,
    outdir: join(dir, 'rebundled'),
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  const inputs = result.metafile.inputs;
  return {
    modules: Object.keys(inputs).sort(),
    dynamicImports: Object.values(inputs).flatMap((input) =>
      input.imports.filter((i) => i.kind === 'dynamic-import' && !i.external).map((i) => i.path),
    ),
    warnings: result.warnings.map((w) => w.text),
  };
}

/** The package sources a zip's source maps name (the modules bundled into its files). */
function mappedSources(entries: ZipEntry[]): string[] {
  return entries
    .filter((e) => e.name.endsWith('.mjs.map'))
    .flatMap((e) => (JSON.parse(e.read().toString('utf8')) as { sources: string[] }).sources);
}

describe('Packaging: one zip per function, with only what its entry loads', () => {
  it.each(functionZips())(
    '$fn.zip holds its entry, the chunks it can import (statically or not), their maps and the policy, nothing else',
    async ({ zip, entry }) => {
      // Prepare: the zip unpacked as Lambda does.
      const entries = readZip(zip);
      const dir = mkdtempSync(join(tmpdir(), 'clonewarden-zip-'));
      try {
        for (const e of entries) {
          mkdirSync(dirname(join(dir, e.name)), { recursive: true });
          writeFileSync(join(dir, e.name), e.read());
        }

        // Act
        const loadable = await loadableModules(dir, entry);

        // Assess: every module in the zip is loadable from the entry, and every loadable one is in it.
        const names = entries.map((e) => e.name);
        const modules = names.filter((n) => n.endsWith('.mjs')).sort();
        expect(loadable.warnings).toEqual([]);
        expect(modules).toContain(entry);
        expect(loadable.modules).toEqual(modules);
        expect(loadable.dynamicImports.length, 'no `await import()` was followed').toBeGreaterThan(0);
        expect(names.sort()).toEqual(
          [...modules, ...modules.map((m) => `${m}.map`), 'clonewarden.yml'].sort(),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  // Graphviz is in the audit's entry bundle today, which serverless-esbuild always kept out of the
  // other zips; this guards the day it moves to a lazily imported chunk of the audit's.
  it("keeps the audit's Graphviz (viz.js) out of the enforce zip", () => {
    // Act
    const isGraphviz = (source: string) => source.includes('node_modules/@viz-js/');
    const enforce = mappedSources(readZip(ZIP));
    const audit = mappedSources(readZip(join(OUT, 'audit.zip')));

    // Assess: the audit's zip has it (so the check can see it), the enforce zip does not.
    expect(audit.filter(isGraphviz).length).toBeGreaterThan(0);
    expect(enforce.length).toBeGreaterThan(0);
    expect(enforce.filter(isGraphviz)).toEqual([]);
  });
});

describe('Packaging: readable stack traces without --enable-source-maps', () => {
  it('loads no source map at import, and a failed invocation logs a stack that names the source files', () => {
    // Prepare: the packaged enforce function, unzipped as Lambda does, and a policy file that
    // fails inside the bundle (the YAML parser, in a lazily loaded chunk).
    const dir = mkdtempSync(join(tmpdir(), 'clonewarden-stack-'));
    try {
      for (const entry of readZip(ZIP)) {
        if (entry.name.endsWith('/')) continue;
        mkdirSync(dirname(join(dir, entry.name)), { recursive: true });
        writeFileSync(join(dir, entry.name), entry.read());
      }
      const policy = join(dir, 'broken-policy.yml');
      writeFileSync(policy, 'version: 1\nrules: [unclosed\n');
      const variables = template.Resources.EnforceLambdaFunction?.Properties?.Environment?.Variables ?? {};
      const nodeOptions: string = variables.NODE_OPTIONS ?? '';
      // What the Lambda runtime does with a rejected handler: it logs the error's stack.
      const invoke = [
        `const { handler } = await import(${JSON.stringify(join(dir, 'functions', 'enforce.mjs'))});`,
        "const { findSourceMap } = await import('node:module');",
        `console.log(findSourceMap(${JSON.stringify(pathToFileURL(join(dir, 'functions', 'enforce.mjs')).href)}) ? 'map loaded' : 'no map loaded');`,
        "try { await handler({}, { functionName: 'enforce', getRemainingTimeInMillis: () => 60000 }); console.log('no error'); }",
        'catch (error) { console.log(error.stack); }',
      ].join('\n');

      // Act: a fresh node (the pinned Node 22) with exactly the deployed NODE_OPTIONS.
      const run = spawnSync(
        join(ROOT, 'node_modules', '.bin', 'node'),
        ['--input-type=module', '-e', invoke],
        {
          cwd: dir,
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH,
            NODE_OPTIONS: nodeOptions,
            AWS_REGION: 'us-east-1',
            CLONEWARDEN_POLICY: policy,
            // The function refuses to start without its ledger; the table is never reached here.
            CLONEWARDEN_LEDGER_TABLE: 'clonewarden-test-ledger',
            POWERTOOLS_METRICS_DISABLED: 'true',
            POWERTOOLS_LOG_LEVEL: 'ERROR',
          },
        },
      );

      // Assess: no map was parsed at import (the flag is gone), yet the stack reads in sources.
      expect(nodeOptions).not.toContain('--enable-source-maps');
      expect(run.status, run.stderr).toBe(0);
      const stack = run.stdout;
      expect(stack).toContain('no map loaded');
      expect(stack).toContain('is not valid YAML');
      expect(stack).toMatch(/\(shared\/policy\/load-policy\.ts:\d+:\d+\)/);
      expect(stack).toMatch(/\(functions\/enforce\.ts:\d+:\d+\)/);
      expect(stack).not.toMatch(/enforce\.mjs:\d+:\d+|chunks\/[^)]+\.mjs:\d+:\d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Packaging: one policy source (the PolicySource parameter)', () => {
  it('points every function at PolicySource, which allows the packaged file and only what their roles may read', () => {
    // Act
    // biome-ignore lint/suspicious/noExplicitAny: CloudFormation is read loosely; the assertions are the checks.
    const parameter = (template as any).Parameters.PolicySource;
    const readers = resourcesOfType(template, 'AWS::Lambda::Function')
      .filter(([, fn]) => fn.Properties?.Environment?.Variables?.CLONEWARDEN_POLICY !== undefined)
      .map(([id, fn]) => ({
        id,
        source: fn.Properties?.Environment?.Variables.CLONEWARDEN_POLICY,
        grants: JSON.stringify(
          template.Resources[referencedId(fn.Properties?.Role) ?? '']?.Properties?.Policies,
        ),
      }));

    // Assess: the stage is package.sh's default, dev.
    expect(readers.map((r) => r.id).sort()).toEqual([
      'AuditLambdaFunction',
      'EnforceLambdaFunction',
      'PruneLambdaFunction',
      'PruneWorkerLambdaFunction',
    ]);
    for (const reader of readers) expect(reader.source, reader.id).toEqual({ Ref: 'PolicySource' });
    expect(parameter.Default).toBe('./clonewarden.yml');
    expect(parameter.AllowedValues.map(policyLocation)).toEqual([
      { kind: 'file', path: './clonewarden.yml' },
      { kind: 's3', bucket: 'clonewarden-policy-dev', key: 'clonewarden.yml' },
      { kind: 'ssm', name: '/clonewarden/dev/policy' },
    ]);
    for (const reader of readers) {
      expect(reader.grants, reader.id).toContain(':s3:::clonewarden-policy-dev/clonewarden.yml');
      expect(reader.grants, reader.id).toContain(':parameter/clonewarden/dev/policy');
    }
  });
});

/** A role's ARN as CloudFormation makes it from the role's RoleName (path "/"). */
function roleArn(template: Template, id: string): string {
  const role = template.Resources[id];
  expect(role?.Type, `${id} is not an AWS::IAM::Role`).toBe('AWS::IAM::Role');
  return `arn:aws:iam::${PSEUDO_PARAMETERS.AccountId}:role/${role?.Properties?.RoleName}`;
}

/** A string-valued template expression as CloudFormation resolves it: Fn::Sub, Fn::Join, Fn::GetAtt of a role's Arn, Ref of a pseudo parameter. */
function resolvedString(template: Template, value: unknown): string {
  if (typeof value === 'string') return value;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation is read loosely; an unknown shape throws.
  const expression = value as any;
  if (typeof expression?.['Fn::Sub'] === 'string') {
    return expression['Fn::Sub'].replace(
      /\$\{([A-Za-z0-9:]+)(\.Arn)?\}/g,
      (_: string, name: string, arn?: string) =>
        arn ? roleArn(template, name) : resolvedString(template, { Ref: name }),
    );
  }
  if (Array.isArray(expression?.['Fn::Join'])) {
    const [separator, items] = expression['Fn::Join'] as [string, unknown[]];
    return items.map((item) => resolvedString(template, item)).join(separator);
  }
  if (expression?.['Fn::GetAtt']?.[1] === 'Arn') return roleArn(template, expression['Fn::GetAtt'][0]);
  const pseudo = /^AWS::(\w+)$/.exec(expression?.Ref ?? '')?.[1];
  if (pseudo && PSEUDO_PARAMETERS[pseudo]) return PSEUDO_PARAMETERS[pseudo];
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** Whether a role's policies (organization mode's included) allow a call that changes something in EC2. */
function writesEc2(role: CfnResource): boolean {
  const statements = JSON.stringify(role.Properties?.Policies ?? []);
  return [...statements.matchAll(/"ec2:([A-Za-z]+)"/g)].some(
    ([, action]) => !/^(Describe|Get|List)/.test(action!),
  );
}

/** The DeregisterImage record as a Lambda function's session of `role` would have made it. */
function deregisterImageBy(roleArnOfCaller: string, sessionName: string) {
  const record = JSON.parse(readFileSync(DEREGISTER_IMAGE_RECORD, 'utf8'));
  const account = PSEUDO_PARAMETERS.AccountId;
  const roleName = roleArnOfCaller.slice(roleArnOfCaller.lastIndexOf('/') + 1);
  record.recipientAccountId = account;
  record.userIdentity = {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLEROLE00001:${sessionName}`,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    accountId: account,
    accessKeyId: 'ASIAEXAMPLEKEY000001',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEROLE00001',
        arn: roleArnOfCaller,
        accountId: account,
        userName: roleName,
      },
      webIdFederationData: {},
      attributes: { creationDate: '2025-11-04T09:01:02Z', mfaAuthenticated: 'false' },
    },
  };
  return record;
}

describe("Packaging: enforce skips clonewarden's own calls (CLONEWARDEN_ENFORCER_ROLE_ARN)", () => {
  const enforcerPrincipals = () => {
    const value =
      template.Resources.EnforceLambdaFunction?.Properties?.Environment?.Variables
        ?.CLONEWARDEN_ENFORCER_ROLE_ARN;
    return resolveSettings({}, { CLONEWARDEN_ENFORCER_ROLE_ARN: resolvedString(template, value) })
      .enforcerPrincipals;
  };

  it('skips the EC2 writes of every role in the stack that writes to clones, as the function parses them', () => {
    // Prepare: the roles with an EC2 write (CreateTags, DeregisterImage, ModifyImageAttribute, …).
    const writers = resourcesOfType(template, 'AWS::IAM::Role')
      .filter(([, role]) => writesEc2(role))
      .map(([id]) => id)
      .sort();
    const principals = enforcerPrincipals();

    // Act
    const parsed = writers.map((id) => ({
      id,
      kind: parseCloneEvent(deregisterImageBy(roleArn(template, id), id), { enforcerPrincipals: principals })
        .kind,
    }));

    // Assess: the three writers are found (the check sees them), and each one's call is skipped.
    expect(writers).toEqual(['EnforceRole', 'PruneRole', 'PruneWorkerRole']);
    expect(parsed).toEqual(writers.map((id) => ({ id, kind: 'skipped' })));
  });

  it("judges everyone else's calls: the read-only audit role, a look-alike name, another account or stage", () => {
    // Prepare
    const principals = enforcerPrincipals();
    const enforceRole = roleArn(template, 'EnforceRole');
    const callers = [
      roleArn(template, 'AuditRole'),
      enforceRole.replace(PSEUDO_PARAMETERS.AccountId!, '999999999999'),
      enforceRole.replace('role/clonewarden-dev-', 'role/clonewarden-prod-'),
      enforceRole.replace('role/clonewarden-dev-', 'role/clonewarden-devx-'),
      enforceRole.replace('role/clonewarden-', 'role/x-clonewarden-'),
      enforceRole.replace(/-enforce$/, '-enforcer'),
    ];

    // Act
    const parsed = callers.map((arn) => ({
      arn,
      kind: parseCloneEvent(deregisterImageBy(arn, 'someone'), { enforcerPrincipals: principals }).kind,
    }));

    // Assess: the stage is package.sh's default, dev; each record is an event to judge.
    expect(enforceRole).toBe('arn:aws:iam::123456789012:role/clonewarden-dev-us-east-1-enforce');
    expect(parsed).toEqual(callers.map((arn) => ({ arn, kind: 'event' })));
  });
});

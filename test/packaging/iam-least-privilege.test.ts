import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, transform } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * Proves that each function's role grants exactly the AWS actions its code makes: every call
 * granted, and nothing granted that no code calls. The calls are found in the project files that
 * esbuild actually bundles for the function, so dead code grants nothing and nothing is missed.
 * moto checks no IAM (neither policies nor trust): the integration tests pass whatever a role
 * grants, so this file is the proof that the roles allow what the code calls, and no more.
 */

const ROOT = resolve(import.meta.dirname, '../..');

/** One row per function, each with its own role; `writesClones`: it tags or changes images and snapshots. */
const FUNCTIONS = [
  { name: 'enforce', entry: 'functions/enforce.ts', role: 'EnforceRole', writesClones: true },
  { name: 'prune', entry: 'functions/prune.ts', role: 'PruneRole', writesClones: true },
  { name: 'audit', entry: 'functions/audit.ts', role: 'AuditRole', writesClones: false },
  { name: 'pruneWorker', entry: 'functions/prune-worker.ts', role: 'PruneWorkerRole', writesClones: true },
];

/**
 * The CLI commands that act in a member account with `--member-role` and `--account`: every EC2
 * and KMS call in their bundle is then made with the member role's credentials (organization
 * mode), so the member role must allow it. They run with a person's role (OperatorRoleArns).
 * `memberRole`: the member template's role the docs tell operators to pass (docs/deploy.md):
 * the audit's read-only one for `audit`.
 */
const CLI_ORGANIZATION_COMMANDS = [
  { name: 'replay', entry: 'shared/cli/replay-command.ts', memberRole: 'MemberRole' },
  { name: 'prune', entry: 'shared/cli/prune-command.ts', memberRole: 'MemberRole' },
  { name: 'release', entry: 'shared/cli/release-command.ts', memberRole: 'MemberRole' },
  { name: 'audit', entry: 'shared/cli/audit-command.ts', memberRole: 'AuditMemberRole' },
];

/** The IAM service prefix of each SDK client package the project may use. */
const IAM_PREFIX_BY_CLIENT: Record<string, string> = {
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-kms': 'kms',
  '@aws-sdk/client-organizations': 'organizations',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-securityhub': 'securityhub',
  '@aws-sdk/client-ssm': 'ssm',
};

/**
 * Organization mode: a project file that calls `aws.forAccount(…)` makes the SDK's
 * `fromTemporaryCredentials` assume the member role (clients.ts, which defines it, does not count).
 * A test below checks the provider's call against the installed package.
 */
const MEMBER_ROLE_ACTION = 'sts:AssumeRole';
const TEMPORARY_CREDENTIALS_PROVIDER =
  '@aws-sdk/credential-providers/dist-es/fromTemporaryCredentials.base.js';
const CLIENTS_FILE = 'shared/aws/clients.ts';

/**
 * Operations authorised as another action: "SendMessageBatch … permission for sqs:SendMessage"
 * (Amazon SQS API permissions: Actions and resource reference), and S3 HeadObject, which needs
 * `s3:GetObject` ("HeadObject", Amazon S3 API reference: "To use HEAD, you must have the
 * s3:GetObject permission"). The audit's only HeadObject checks the link signer's key with that key; the role
 * holds GetObject for its own fallback link anyway.
 */
const AUTHORISED_AS: Record<string, string> = {
  'sqs:SendMessageBatch': 'sqs:SendMessage',
  's3:HeadObject': 's3:GetObject',
};

/**
 * Lambda polls an SQS event source with the function's role ("Lambda execution role",
 * AWSLambdaSQSQueueExecutionRole): it receives, deletes and reads the queue's attributes.
 */
const SQS_EVENT_SOURCE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];

/** "No permissions are required to perform this operation" (STS GetCallerIdentity): never granted. */
const ACTIONS_NEEDING_NO_PERMISSION = new Set(['sts:GetCallerIdentity']);

/** The document client's commands are renamed wrappers of DynamoDB operations. */
const LIB_DYNAMODB_ACTIONS: Record<string, string> = {
  Get: 'dynamodb:GetItem',
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  Query: 'dynamodb:Query',
  Scan: 'dynamodb:Scan',
  BatchGet: 'dynamodb:BatchGetItem',
  BatchWrite: 'dynamodb:BatchWriteItem',
  TransactGet: 'dynamodb:TransactGetItems',
  TransactWrite: 'dynamodb:TransactWriteItems',
};

/**
 * Added by hand because the calls are made inside the Powertools package, not in our files:
 * its DynamoDBPersistenceLayer reads, writes, completes and deletes idempotency records.
 * A test below checks this list against the package's own source, so an upgrade that adds a
 * call fails here instead of in production.
 */
const POWERTOOLS_IDEMPOTENCY_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];
const POWERTOOLS_DYNAMODB_LAYER =
  '@aws-lambda-powertools/idempotency/lib/esm/persistence/DynamoDBPersistenceLayer.js';

/** Lambda itself writes the function's logs with the function's role ("Lambda execution role"). */
const LAMBDA_LOGGING_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/** Lambda sends on-failure destination records with the function's role ("Asynchronous invocation"). */
const DESTINATION_ACTIONS: Record<string, string> = { sqs: 'sqs:SendMessage', sns: 'sns:Publish' };

/** A publisher to a KMS-encrypted topic must be able to use its key (SNS "Encryption at rest"). */
const ENCRYPTED_TOPIC_PUBLISH_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];

/**
 * Actions that change something yet support no resource-level permission, so that IAM only
 * accepts them on Resource "*" ("Actions, resources, and condition keys for Amazon EC2").
 * Every action clonewarden calls today is scoped, so the list is empty; add an entry only with
 * a reference to the action's row in that page.
 */
const MUTATING_WITHOUT_RESOURCE_LEVEL_SUPPORT = new Set<string>();

/** Values for CloudFormation pseudo parameters, to check the shape of `Fn::Sub` ARNs. */
const PSEUDO_PARAMETER_EXAMPLES: Record<string, string> = {
  Partition: 'aws',
  Region: 'eu-west-1',
  AccountId: '123456789012',
};

/**
 * Read-only EC2 and Organizations calls: none of those clonewarden makes supports resource-level
 * permissions (DescribeOrganization and ListAccounts have no resource type either).
 */
const isReadOnly = (action: string) => /^(ec2|organizations):(Describe|Get|List)/.test(action);

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

interface ServerlessConfig {
  provider: { iam?: unknown };
  params: { default: Record<string, string> };
  functions: Record<
    string,
    {
      role?: unknown;
      destinations?: { onFailure?: { type?: string } };
      events?: Record<string, unknown>[];
      environment?: Record<string, unknown>;
    }
  >;
  // biome-ignore lint/suspicious/noExplicitAny: serverless.yml is read loosely; the assertions are the checks.
  resources: { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
}

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Project files (shared/ and functions/) that end up in the function's bundle. */
async function bundledProjectFiles(entry: string): Promise<{ project: string[]; packages: string[] }> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  return {
    project: inputs.filter((file) => /^(shared|functions)\//.test(file)),
    packages: inputs.filter((file) => file.includes('node_modules/')),
  };
}

interface ScanResult {
  actions: Set<string>;
  /** `new …Command(` expressions that could not be traced to an SDK client import. */
  untraced: string[];
}

/** Finds the AWS actions a source file calls: `new XCommand(` and `paginateX(` from SDK clients. */
async function scanForAwsCalls(file: string, code: string): Promise<ScanResult> {
  // esbuild strips comments (doc examples mention commands) and type-only imports.
  const loader = file.endsWith('.ts') ? 'ts' : 'js';
  const { code: js } = await transform(code, { loader, format: 'esm', legalComments: 'none' });

  /** local name → [module, exported name] */
  const imported = new Map<string, [string, string]>();
  const namespaces = new Map<string, string>();
  for (const [, names, module] of js.matchAll(/import\s*\{([^}]*)\}\s*from\s*["']([^"']+)["']/g)) {
    for (const specifier of names!.split(',')) {
      const [exported, local = exported] = specifier.trim().split(/\s+as\s+/);
      if (exported) imported.set(local!.trim(), [module!, exported.trim()]);
    }
  }
  // Lazily loaded clients: `const { PublishCommand } = await import('@aws-sdk/client-sns')`.
  for (const [, names, module] of js.matchAll(
    /(?:const|let|var)\s*\{([^}]*)\}\s*=\s*await\s+import\(\s*["']([^"']+)["']\s*\)/g,
  )) {
    for (const specifier of names!.split(',')) {
      const [exported, local = exported] = specifier.trim().split(/\s*:\s*/);
      if (exported) imported.set(local!.trim(), [module!, exported.trim()]);
    }
  }
  for (const [, local, module] of js.matchAll(/import\s*\*\s*as\s+(\w+)\s*from\s*["']([^"']+)["']/g)) {
    namespaces.set(local!, module!);
  }

  const actions = new Set<string>();
  const untraced: string[] = [];
  const actionFor = (
    module: string,
    exported: string,
    suffix: 'Command' | 'paginate',
  ): string | undefined => {
    const operation =
      suffix === 'Command' ? exported.replace(/Command$/, '') : exported.replace(/^paginate/, '');
    if (module === '@aws-sdk/lib-dynamodb') return LIB_DYNAMODB_ACTIONS[operation];
    const prefix = IAM_PREFIX_BY_CLIENT[module];
    return prefix ? `${prefix}:${operation}` : undefined;
  };

  for (const [expression, namespace, name] of js.matchAll(/new\s+(?:(\w+)\.)?(\w+Command)\s*\(/g)) {
    const source: [string, string] | undefined = namespace
      ? namespaces.has(namespace)
        ? [namespaces.get(namespace)!, name!]
        : undefined
      : imported.get(name!);
    const action = source && actionFor(source[0], source[1], 'Command');
    if (action) actions.add(action);
    else untraced.push(`${file}: ${expression}`);
  }
  for (const [local, [module, exported]] of imported) {
    if (!module.startsWith('@aws-sdk/')) continue;
    if (/^paginate\w+/.test(exported) && new RegExp(`\\b${local}\\s*\\(`).test(js)) {
      const action = actionFor(module, exported, 'paginate');
      if (action) actions.add(action);
      else untraced.push(`${file}: ${exported} from ${module}`);
    }
    // A command class passed around as a value (a table of commands) would escape the scan above.
    if (exported.endsWith('Command') && !new RegExp(`new\\s+${local}\\s*\\(`).test(js)) {
      untraced.push(`${file}: ${exported} is used other than in \`new ${local}(\``);
    }
    // A waiter polls one or more Describe calls that the text does not name.
    if (/^waitUntil\w+/.test(exported))
      untraced.push(`${file}: waiter ${exported}; map its calls by hand here`);
  }
  return { actions, untraced };
}

/** The actions Lambda and the bundled packages need on the function's behalf, beyond our own calls. */
function platformActions(
  config: ServerlessConfig,
  functionName: string,
  used: Set<string>,
  packages: string[],
) {
  const actions = new Set(LAMBDA_LOGGING_ACTIONS);
  if (packages.some((file) => file.endsWith(POWERTOOLS_DYNAMODB_LAYER))) {
    for (const action of POWERTOOLS_IDEMPOTENCY_ACTIONS) actions.add(action);
  }
  const onFailure = config.functions[functionName]?.destinations?.onFailure?.type;
  if (onFailure) actions.add(DESTINATION_ACTIONS[onFailure] ?? `unknown destination type ${onFailure}`);
  if (config.functions[functionName]?.events?.some((event) => 'sqs' in event)) {
    for (const action of SQS_EVENT_SOURCE_ACTIONS) actions.add(action);
  }
  const encryptedTopic = Object.values(config.resources.Resources).some(
    (r) => r.Type === 'AWS::SNS::Topic' && r.Properties.KmsMasterKeyId,
  );
  if (used.has('sns:Publish') && encryptedTopic) {
    for (const action of ENCRYPTED_TOPIC_PUBLISH_ACTIONS) actions.add(action);
  }
  return actions;
}

interface InlinePolicy {
  PolicyDocument: { Statement: Statement[] };
}

/**
 * A role's statements. A policy under `Fn::If: [condition, policy, AWS::NoValue]` (organization
 * mode) counts as granted: its true branch is what the role can do in that mode.
 */
function roleStatements(resources: ServerlessConfig['resources']['Resources'], role: string): Statement[] {
  const resource = resources[role];
  expect(resource?.Type, `Resources.${role} must be an AWS::IAM::Role`).toBe('AWS::IAM::Role');
  expect(resource?.Properties.ManagedPolicyArns, `${role} must not attach managed policies`).toBeUndefined();
  return asList(resource?.Properties.Policies)
    .map((policy: InlinePolicy | { 'Fn::If': [string, InlinePolicy, unknown] }) =>
      'Fn::If' in policy ? policy['Fn::If'][1] : policy,
    )
    .flatMap((policy: InlinePolicy) => asList(policy.PolicyDocument.Statement));
}

/** The AWS actions the bundled project files of a function call, and the calls that could not be traced. */
async function callsOfFunction(entry: string) {
  const { project, packages } = await bundledProjectFiles(entry);
  const sources = project.map((file) => [file, readFileSync(join(ROOT, file), 'utf8')] as const);
  const scans = await Promise.all(sources.map(([file, code]) => scanForAwsCalls(file, code)));
  const actions = new Set(scans.flatMap((scan) => [...scan.actions]));
  if (sources.some(([file, code]) => file !== CLIENTS_FILE && /\.forAccount\(/.test(code))) {
    actions.add(MEMBER_ROLE_ACTION);
  }
  for (const action of ACTIONS_NEEDING_NO_PERMISSION) actions.delete(action);
  for (const [batch, single] of Object.entries(AUTHORISED_AS)) {
    if (actions.delete(batch)) actions.add(single);
  }
  return { actions, untraced: scans.flatMap((scan) => scan.untraced), packages };
}

const config: ServerlessConfig = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'));

describe('IAM: serverless.yml', () => {
  it('has no provider-wide role: each function names its own', () => {
    // Assess
    expect(config.provider.iam).toBeUndefined();
    // By Fn::Sub, so that osls adds no DependsOn that duplicates the reference (cfn-lint W3005).
    for (const { name, role } of FUNCTIONS)
      expect(config.functions[name]?.role).toEqual({ 'Fn::Sub': `\${${role}.Arn}` });
    expect(Object.keys(config.functions).sort()).toEqual(FUNCTIONS.map((f) => f.name).sort());
  });

  it('names the Powertools idempotency calls exactly as the installed package makes them', async () => {
    // Prepare
    const file = join(ROOT, 'node_modules', POWERTOOLS_DYNAMODB_LAYER);

    // Act
    const { actions } = await scanForAwsCalls(file, readFileSync(file, 'utf8'));

    // Assess
    expect([...actions].sort()).toEqual([...POWERTOOLS_IDEMPOTENCY_ACTIONS].sort());
  });

  it('names the member role call exactly as the SDK credential provider makes it', () => {
    // Prepare: it loads its STS client with `await import('./loadSts.js')`, which the scan cannot trace.
    const code = readFileSync(join(ROOT, 'node_modules', TEMPORARY_CREDENTIALS_PROVIDER), 'utf8');

    // Act
    const commands = [...code.matchAll(/new\s+(\w+)Command\(/g)].map(([, name]) => `sts:${name}`);

    // Assess
    expect(commands).toEqual([MEMBER_ROLE_ACTION]);
  });
});

describe.each(FUNCTIONS)('IAM: $name function ($role)', ({ name, entry, role, writesClones }) => {
  let statements: Statement[];
  let used: Set<string>;
  let untraced: string[];

  beforeAll(async () => {
    // Prepare: the calls in the bundled project files, plus what the platform does for us.
    statements = roleStatements(config.resources.Resources, role);
    const calls = await callsOfFunction(entry);
    used = calls.actions;
    untraced = calls.untraced;
    for (const action of platformActions(config, name, used, calls.packages)) used.add(action);
  });

  it('traces every SDK command in the bundle to its client', () => {
    // Assess
    expect(untraced).toEqual([]);
  });

  it('gives every statement a unique Sid and allows only', () => {
    // Act
    const sids = statements.map((s) => s.Sid);

    // Assess
    expect(sids.every((sid) => typeof sid === 'string' && /^[A-Za-z0-9]+$/.test(sid))).toBe(true);
    expect(new Set(sids).size).toBe(sids.length);
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
  });

  it('names every action in full: no wildcards', () => {
    // Act
    const wildcards = statements.flatMap((s) => asList(s.Action)).filter((a) => a.includes('*'));

    // Assess
    expect(wildcards).toEqual([]);
  });

  it('grants exactly the actions the bundled code and the platform use', () => {
    // Act
    const granted = new Set(statements.flatMap((s) => asList(s.Action)));
    const missing = [...used].filter((a) => !granted.has(a)).sort();
    const unused = [...granted].filter((a) => !used.has(a)).sort();

    // Assess
    expect({ missing, unused }).toEqual({ missing: [], unused: [] });
  });

  it('grants Resource "*" only to read-only EC2 and Organizations calls', () => {
    // Act
    const unscoped = statements
      .filter((s) => asList(s.Resource).includes('*'))
      .flatMap((s) => asList(s.Action))
      .filter((a) => !isReadOnly(a) && !MUTATING_WITHOUT_RESOURCE_LEVEL_SUPPORT.has(a));

    // Assess
    expect(unscoped).toEqual([]);
  });

  it('writes image and snapshot ARNs with an empty account field, as EC2 defines them', () => {
    // Act: arn:aws:ec2:region::image/ami-…; an account id there would match nothing.
    const arns = statements
      .flatMap((s) => asList(s.Resource))
      .map((r) => (typeof r === 'object' && r && 'Fn::Sub' in r ? String(r['Fn::Sub']) : String(r)))
      .filter((arn) => /:(image|snapshot)\//.test(arn))
      .map((arn) =>
        arn.replace(/\$\{AWS::(\w+)\}/g, (_, pseudo: string) => PSEUDO_PARAMETER_EXAMPLES[pseudo] ?? pseudo),
      );

    // Assess: a read-only function names no image or snapshot at all.
    if (writesClones) expect(arns.length).toBeGreaterThan(0);
    else expect(arns).toEqual([]);
    for (const arn of arns) expect(arn).toMatch(/^arn:[^:]+:ec2:[^:]+::(image|snapshot)\/\*$/);
  });
});

describe('IAM: the restoring family (enforce function)', () => {
  const resolved = (statement: Statement) =>
    asList(statement.Resource).map((r) =>
      (typeof r === 'object' && r && 'Fn::Sub' in r ? String(r['Fn::Sub']) : String(r)).replace(
        /\$\{AWS::(\w+)\}/g,
        (_, pseudo: string) => PSEUDO_PARAMETER_EXAMPLES[pseudo] ?? pseudo,
      ),
    );
  const resourcesFor = (action: string) =>
    roleStatements(config.resources.Resources, 'EnforceRole')
      .filter((s) => asList(s.Action).includes(action))
      .flatMap(resolved)
      .sort();

  it('labels what a restore creates, in the account, and stops instances only', () => {
    // Assess: instance, volume and network-interface ARNs carry the account id.
    expect(resourcesFor('ec2:CreateTags')).toEqual([
      'arn:aws:ec2:eu-west-1:123456789012:instance/*',
      'arn:aws:ec2:eu-west-1:123456789012:network-interface/*',
      'arn:aws:ec2:eu-west-1:123456789012:volume/*',
      'arn:aws:ec2:eu-west-1::image/*',
      'arn:aws:ec2:eu-west-1::snapshot/*',
    ]);
    expect(resourcesFor('ec2:StopInstances')).toEqual(['arn:aws:ec2:eu-west-1:123456789012:instance/*']);
    expect(resourcesFor('ec2:DescribeNetworkInterfaces')).toEqual(['*']);
    expect(resourcesFor('ec2:TerminateInstances')).toEqual([]);
    expect(resourcesFor('ec2:DeleteVolume')).toEqual([]);
  });
});

/**
 * `value` as CloudFormation deploys it with `conditions` set: each `Fn::If` resolved, each
 * `AWS::NoValue` and each resource or output whose `Condition` is false left out.
 */
function asDeployed(value: unknown, conditions: Record<string, boolean>): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => asDeployed(item, conditions)).filter((item) => item !== undefined);
  }
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if ('Fn::If' in record) {
    const [condition, whenTrue, whenFalse] = record['Fn::If'] as [string, unknown, unknown];
    expect(conditions, `no value given for condition ${condition}`).toHaveProperty(condition);
    return asDeployed(conditions[condition] ? whenTrue : whenFalse, conditions);
  }
  if (record.Ref === 'AWS::NoValue') return undefined;
  if (typeof record.Condition === 'string' && conditions[record.Condition] === false) return undefined;
  const entries = Object.entries(record).map(([key, item]) => [key, asDeployed(item, conditions)] as const);
  return Object.fromEntries(entries.filter(([, item]) => item !== undefined));
}

describe('IAM: the audit link signer (the 7-day report link), configured and not', () => {
  // biome-ignore lint/suspicious/noExplicitAny: serverless.yml is read loosely; the assertions are the checks.
  type Loose = any;
  const template: Loose = config;
  const deployed = (on: boolean): Loose =>
    asDeployed(
      { ...template.resources, functions: template.functions },
      { OrganizationMode: false, AuditLinkSigner: on },
    );
  const auditStatements = (stack: { Resources: ServerlessConfig['resources']['Resources'] }) =>
    roleStatements(stack.Resources, 'AuditRole');
  const SIGNER_PARAMETER_ARN = `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/\${AuditLinkSignerParameter}`;
  const REPORTS = `\${AuditReportBucket.Arn}/audits/*`;

  it('is off by default: no user, no grant on the parameter, and the variable unset', () => {
    // Act
    const off = deployed(false);
    const text = JSON.stringify(off);

    // Assess
    expect(config.params.default.auditLinkSignerParameter).toBe('');
    expect(template.resources.Parameters.AuditLinkSignerParameter.Default).toBe(
      `\${param:auditLinkSignerParameter, ''}`,
    );
    expect(template.resources.Conditions.AuditLinkSigner).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AuditLinkSignerParameter' }, ''] }],
    });
    expect(
      Object.values(off.Resources).filter((r) => (r as { Type: string }).Type === 'AWS::IAM::User'),
    ).toEqual([]);
    expect(text).not.toContain('AuditLinkSignerParameter}');
    expect(auditStatements(off).map((s) => s.Sid)).not.toContain('ReadLinkSignerKey');
    expect(off.functions.audit.environment.CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER).toBe('');
    expect(off.Outputs).not.toHaveProperty('AuditLinkSignerUserName');
  });

  it('on, lets the audit role read that one parameter, with no KMS grant (the aws/ssm key allows the account)', () => {
    // Act
    const on = deployed(true);
    const statements = auditStatements(on);
    const signerGrants = statements.filter((s) =>
      JSON.stringify(s.Resource).includes('AuditLinkSignerParameter'),
    );

    // Assess
    expect(signerGrants).toEqual([
      {
        Sid: 'ReadLinkSignerKey',
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource: [{ 'Fn::Sub': SIGNER_PARAMETER_ARN }],
      },
    ]);
    // The function is told the same parameter the role may read: /<name> is parameter/<name>.
    expect(on.functions.audit.environment.CLONEWARDEN_AUDIT_LINK_SIGNER_PARAMETER).toEqual({
      'Fn::Sub': `/\${AuditLinkSignerParameter}`,
    });
    const kmsResources = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('kms:')));
    expect(kmsResources.map((s) => s.Sid)).toEqual(['EncryptReportAlert']);
  });

  it('on, creates a user that may only read reports, and never an access key', () => {
    // Act
    const on = deployed(true);
    const users = Object.entries(on.Resources).filter(
      ([, r]) => (r as { Type: string }).Type === 'AWS::IAM::User',
    );
    const [id, user] = users[0] as [string, { Properties: Record<string, unknown> }];
    const everyType = Object.values(on.Resources).map((r) => (r as { Type: string }).Type);

    // Assess
    expect(users).toHaveLength(1);
    expect(id).toBe('AuditLinkSignerUser');
    expect(Object.keys(user.Properties).sort()).toEqual(['Policies', 'UserName']);
    expect(
      asList(user.Properties.Policies as InlinePolicy[]).flatMap((p) => p.PolicyDocument.Statement),
    ).toEqual([
      { Sid: 'ReadReports', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [{ 'Fn::Sub': REPORTS }] },
    ]);
    // The prefix the audit writes its reports under, and nothing else in the bucket.
    const writes = auditStatements(on).find((s) => s.Sid === 'WriteReports');
    expect(writes?.Resource).toEqual([{ 'Fn::Sub': REPORTS }]);
    expect(everyType).not.toContain('AWS::IAM::AccessKey');
    expect(JSON.stringify(on.Outputs)).not.toMatch(/SecretAccessKey|AccessKey/);
    expect(on.Outputs.AuditLinkSignerUserName.Value).toEqual({ Ref: 'AuditLinkSignerUser' });
  });
});

describe('IAM: the policy overrides in the organization prune (prune worker)', () => {
  it("reads a job's OUs (ListParents) for its account's overrides, and calls nothing else of Organizations", async () => {
    // Act
    const { actions } = await callsOfFunction('functions/prune-worker.ts');
    const granted = roleStatements(config.resources.Resources, 'PruneWorkerRole')
      .flatMap((s) => asList(s.Action))
      .filter((a) => a.startsWith('organizations:'));

    // Assess
    expect([...actions].filter((a) => a.startsWith('organizations:'))).toEqual(['organizations:ListParents']);
    expect(granted).toEqual(['organizations:ListParents']);
  });
});

// biome-ignore lint/suspicious/noExplicitAny: the template is read loosely; the assertions are the checks.
type Loosely = any;
type MemberTemplate = {
  Resources: ServerlessConfig['resources']['Resources'];
  Parameters: Loosely;
  Outputs: Loosely;
};
const member: MemberTemplate = parse(readFileSync(join(ROOT, 'member/clonewarden-member.yml'), 'utf8'));

/**
 * A name or ARN as `Fn::Sub` text: `Ref: X` is `${X}`, and `Fn::Join` with "" joins its parts. The
 * hub and the member template both have the MemberRoleName parameter, so the same text names the
 * same role in both.
 */
function asSubText(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { Ref?: string; 'Fn::Sub'?: string; 'Fn::Join'?: [string, unknown[]] };
  if (v.Ref !== undefined) return `\${${v.Ref}}`;
  if (v['Fn::Sub'] !== undefined) return v['Fn::Sub'];
  if (v['Fn::Join']?.[0] === '') return v['Fn::Join'][1].map(asSubText).join('');
  throw new Error(`not a name: ${JSON.stringify(value)}`);
}

/**
 * The member template's role a function assumes: the one whose RoleName is the function's
 * CLONEWARDEN_MEMBER_ROLE in organization mode (and it is unset otherwise).
 */
function memberRoleAssumedBy(functionName: string): string {
  const variable = config.functions[functionName]?.environment?.CLONEWARDEN_MEMBER_ROLE as {
    'Fn::If'?: [string, unknown, unknown];
  };
  const [condition, named, otherwise] = variable?.['Fn::If'] ?? [];
  expect([condition, otherwise], `${functionName}: CLONEWARDEN_MEMBER_ROLE`).toEqual([
    'OrganizationMode',
    '',
  ]);
  const roles = Object.entries(member.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName !== undefined)
    .filter(([, r]) => asSubText(r.Properties.RoleName) === asSubText(named))
    .map(([id]) => id);
  expect(roles, `${functionName}: the member role named ${JSON.stringify(named)}`).toHaveLength(1);
  return roles[0]!;
}

/** The functions whose bundled code assumes a member role (`aws.forAccount`), and which role. */
async function functionsActingInMembers() {
  const calls = await Promise.all(FUNCTIONS.map(({ entry }) => callsOfFunction(entry)));
  return FUNCTIONS.map((f, i) => ({ ...f, calls: calls[i]! }))
    .filter(({ calls }) => calls.actions.has(MEMBER_ROLE_ACTION))
    .map((f) => ({ ...f, memberRole: memberRoleAssumedBy(f.name) }));
}

/** The role names of those functions as serverless.yml writes them, in the member template's variables. */
function hubRoleArnsForMember(functions: readonly { role: string }[]): string[] {
  return functions.map(({ role }) => {
    const name: string = config.resources.Resources[role]?.Properties.RoleName;
    const inMember = name
      .replace(`\${sls:stage}`, `\${Stage}`)
      .replace(`\${self:provider.region}`, `\${HubRegion}`);
    return `arn:\${AWS::Partition}:iam::\${HubAccountId}:role/${inMember}`;
  });
}

/** The EC2 and KMS calls in a bundle: what a member account sees of it (the rest stays in the hub). */
const memberCalls = (actions: Set<string>) => [...actions].filter((a) => /^(ec2|kms):/.test(a));

let memberAccountCallsOnce: ReturnType<typeof readMemberAccountCalls> | undefined;

/** Bundles once for the describes below (a bundle takes seconds); none of them changes the sets. */
const memberAccountCalls = () => {
  memberAccountCallsOnce ??= readMemberAccountCalls();
  return memberAccountCallsOnce;
};

/** What the functions and the CLI's organization commands do in member accounts, by the member role they assume. */
async function readMemberAccountCalls() {
  // What the functions and the CLI's organization commands do in an account is EC2, and KMS for
  // the clones' keys (alerts, idempotency, logs and Organizations stay in the hub).
  const actingInMembers = await functionsActingInMembers();
  const cliCalls = await Promise.all(
    CLI_ORGANIZATION_COMMANDS.map(async ({ name, entry, memberRole }) => ({
      name,
      memberRole,
      calls: memberCalls((await callsOfFunction(entry)).actions),
    })),
  );
  /** The EC2 and KMS calls made through one member role. */
  const usedThrough = (memberRole: string) =>
    new Set([
      ...actingInMembers
        .filter((f) => f.memberRole === memberRole)
        .flatMap(({ calls }) => memberCalls(calls.actions)),
      ...cliCalls.filter((c) => c.memberRole === memberRole).flatMap(({ calls }) => calls),
    ]);
  return { actingInMembers, cliCalls, usedThrough };
}

/** A member role's trust policy as CloudFormation deploys it, with operators named or not. */
function memberTrust(role: string, operators: boolean) {
  const properties = asDeployed(member.Resources[role]?.Properties, { TrustOperators: operators }) as Record<
    string,
    // biome-ignore lint/suspicious/noExplicitAny: the template is read loosely; the assertions are the checks.
    any
  >;
  return { properties, statements: asList(properties.AssumeRolePolicyDocument.Statement) };
}

describe('IAM: member/clonewarden-member.yml (the role the hub assumes in a member account)', () => {
  let statements: Statement[];
  let used: Set<string>;
  let actingInMembers: Awaited<ReturnType<typeof functionsActingInMembers>>;
  let cliCalls: { name: string; calls: string[] }[];

  beforeAll(async () => {
    // Prepare: enforce, the prune worker and the CLI's replay, prune and release act through it.
    statements = roleStatements(member.Resources, 'MemberRole');
    const calls = await memberAccountCalls();
    actingInMembers = calls.actingInMembers;
    cliCalls = calls.cliCalls;
    used = calls.usedThrough('MemberRole');
  });

  // `audit` too: an operator who passes this role to the audit (as before the audit had its own) still can.
  it('allows every EC2 and KMS call of replay, prune, release and audit run with --member-role', () => {
    // Act
    const granted = new Set(statements.flatMap((s) => asList(s.Action)));
    const missing = cliCalls.map(({ name, calls }) => ({
      name,
      missing: calls.filter((a) => !granted.has(a)),
    }));

    // Assess: release re-enables the image and clears its deprecation (shared/aws/clone-releaser.ts).
    expect(cliCalls.find((c) => c.name === 'release')?.calls).toEqual(
      expect.arrayContaining(['ec2:EnableImage', 'ec2:DisableImageDeprecation']),
    );
    expect(missing).toEqual(CLI_ORGANIZATION_COMMANDS.map(({ name }) => ({ name, missing: [] })));
  });

  it('grants exactly the EC2 and KMS calls that enforce, the prune worker and the CLI replay, prune and release make', () => {
    // Act
    const granted = new Set(statements.flatMap((s) => asList(s.Action)));
    const missing = [...used].filter((a) => !granted.has(a)).sort();
    const unused = [...granted].filter((a) => !used.has(a)).sort();

    // Assess
    expect(used.size).toBeGreaterThan(10);
    expect({ missing, unused }).toEqual({ missing: [], unused: [] });
  });

  it('allows only, with unique Sids, no wildcard actions, and Resource "*" only for reads', () => {
    // Act
    const actions = statements.flatMap((s) => asList(s.Action));
    const unscoped = statements
      .filter((s) => asList(s.Resource).includes('*'))
      .flatMap((s) => asList(s.Action))
      .filter((a) => !isReadOnly(a));

    // Assess
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(new Set(statements.map((s) => s.Sid)).size).toBe(statements.length);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(unscoped).toEqual([]);
  });

  it('writes image and snapshot ARNs with an empty account field, restored resources in the member account, key ARNs of any account, in any region', () => {
    // Act
    const arns = statements
      .flatMap((s) => asList(s.Resource))
      .filter((r): r is { 'Fn::Sub': string } => typeof r === 'object' && r !== null && 'Fn::Sub' in r)
      .map((r) => r['Fn::Sub'].replace(`\${AWS::Partition}`, 'aws'));

    // Assess
    expect(arns.length).toBeGreaterThan(0);
    // What a restore created lives in the member account itself: its own account id.
    for (const arn of arns)
      expect(arn).toMatch(
        /^arn:aws:(ec2:\*::(image|snapshot)|ec2:\*:\$\{AWS::AccountId\}:(instance|volume|network-interface)|kms:\*:\*:key)\/\*$/,
      );
  });

  it("is trusted by the hub's enforce and prune worker roles only (not the audit's), and only inside the organization, by default", () => {
    // Act: OperatorRoleArns left at its default (empty), so TrustOperators is false.
    const { properties: role, statements: trustStatements } = memberTrust('MemberRole', false);
    const [trust, ...others] = trustStatements;
    const principals = asList(trust?.Principal?.AWS).map((p: { 'Fn::Sub': string }) => p['Fn::Sub']);
    const assuming = actingInMembers.filter((f) => f.memberRole === 'MemberRole');

    // Assess
    expect(others).toEqual([]);
    expect(trust.Effect).toBe('Allow');
    expect(trust.Action).toBe('sts:AssumeRole');
    expect(assuming.map((f) => f.name).sort()).toEqual(['enforce', 'pruneWorker']);
    expect(principals.sort()).toEqual(hubRoleArnsForMember(assuming).sort());
    // The audit's role reads through AuditMemberRole: a session of it can change nothing here.
    expect(principals).not.toContain(hubRoleArnsForMember([{ role: 'AuditRole' }])[0]);
    expect(trust.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } });
    expect(role.RoleName).toEqual({ Ref: 'MemberRoleName' });
    expect(member.Parameters.MemberRoleName.Default).toBe(config.params.default.memberRoleName);
    // No operator, no release calls: what the hub's functions call, and nothing more.
    const actions = asList(role.Policies)
      .flatMap((p: InlinePolicy) => asList(p.PolicyDocument.Statement))
      .flatMap((st: Statement) => asList(st.Action));
    expect(actions).not.toContain('ec2:EnableImage');
    expect(actions).not.toContain('ec2:DisableImageDeprecation');
  });

  it('trusts the roles named in OperatorRoleArns only when it is set, inside the organization too', () => {
    // Prepare
    const parameter = member.Parameters.OperatorRoleArns;
    const condition = (member as unknown as { Conditions: Record<string, unknown> }).Conditions
      .TrustOperators;

    // Act
    const [hub, operators, ...others] = memberTrust('MemberRole', true).statements;

    // Assess: empty by default, and the condition is "not empty".
    expect(parameter.Default).toBe('');
    expect(new RegExp(parameter.AllowedPattern).test('*')).toBe(false);
    expect(new RegExp(parameter.AllowedPattern).test('arn:aws:iam::111122223333:role/SecurityEngineer')).toBe(
      true,
    );
    expect(condition).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'OperatorRoleArns' }, ''] }] });
    expect(others).toEqual([]);
    expect(hub.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } });
    // An operator must set a source identity (the CLI's caller name), so CloudTrail names the person.
    expect(operators).toEqual({
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Split': [',', { Ref: 'OperatorRoleArns' }] } },
      Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
        Null: { 'sts:SourceIdentity': 'false' },
      },
    });
    // The hub's roles may not set one: the release grant below tells them apart by it.
    expect(hub.Action).toBe('sts:AssumeRole');
  });

  it("grants release's own calls only with operators, on images only, and no hub function makes them", () => {
    // Prepare
    const releaseCalls = ['ec2:DisableImageDeprecation', 'ec2:EnableImage'];
    type ConditionalPolicy = { 'Fn::If': [string, InlinePolicy, unknown] };
    const policies: (InlinePolicy | ConditionalPolicy)[] = asList(
      member.Resources.MemberRole?.Properties.Policies,
    );

    // Act
    const conditional = policies.filter((p): p is ConditionalPolicy => 'Fn::If' in p).map((p) => p['Fn::If']);
    const granting = statements.filter((st) => asList(st.Action).some((a) => releaseCalls.includes(a)));

    // Assess
    expect(conditional.map(([name, , otherwise]) => [name, otherwise])).toEqual([
      ['TrustOperators', { Ref: 'AWS::NoValue' }],
    ]);
    expect(conditional[0]![1].PolicyDocument.Statement).toEqual(granting);
    expect(granting.flatMap((st) => asList(st.Action)).sort()).toEqual(releaseCalls);
    expect(granting.flatMap((st) => asList(st.Resource))).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:ec2:*::image/*` },
    ]);
    // Only a session with a source identity (an operator's) may use it, not the functions' sessions.
    expect(granting.map((st) => st.Condition)).toEqual([{ Null: { 'aws:SourceIdentity': 'false' } }]);
    const hubCalls = actingInMembers.flatMap(({ calls }) => memberCalls(calls.actions));
    expect(hubCalls.filter((a) => releaseCalls.includes(a))).toEqual([]);
  });
});

describe("IAM: member/clonewarden-member.yml's AuditMemberRole (the audit's read-only role)", () => {
  let statements: Statement[];
  let used: Set<string>;
  let assuming: Awaited<ReturnType<typeof functionsActingInMembers>>;

  beforeAll(async () => {
    // Prepare: the weekly audit and `clonewarden audit --member-role` read through it.
    statements = roleStatements(member.Resources, 'AuditMemberRole');
    const calls = await memberAccountCalls();
    assuming = calls.actingInMembers.filter((f) => f.memberRole === 'AuditMemberRole');
    used = calls.usedThrough('AuditMemberRole');
  });

  it('grants exactly the EC2 and KMS calls of the audit function and `clonewarden audit`, and they only read', () => {
    // Act
    const granted = new Set(statements.flatMap((s) => asList(s.Action)));
    const missing = [...used].filter((a) => !granted.has(a)).sort();
    const unused = [...granted].filter((a) => !used.has(a)).sort();

    // Assess: the listing (clone-listing.ts) and the share look-ups (clone-shares.ts).
    expect(assuming.map((f) => f.name)).toEqual(['audit']);
    expect([...used].sort()).toEqual([
      'ec2:DescribeImageAttribute',
      'ec2:DescribeImages',
      'ec2:DescribeSnapshotAttribute',
      'ec2:DescribeSnapshots',
    ]);
    expect({ missing, unused }).toEqual({ missing: [], unused: [] });
    expect([...granted].filter((a) => !/^ec2:Describe/.test(a))).toEqual([]);
  });

  it('allows only, with unique Sids, no wildcard actions, one unconditional policy, and nothing the writers hold', () => {
    // Act
    const actions = statements.flatMap((s) => asList(s.Action));
    const writes = roleStatements(member.Resources, 'MemberRole')
      .flatMap((s) => asList(s.Action))
      .filter((a) => !isReadOnly(a) && !a.startsWith('kms:'));

    // Assess
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(new Set(statements.map((s) => s.Sid)).size).toBe(statements.length);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(asList(member.Resources.AuditMemberRole?.Properties.Policies).some((p) => 'Fn::If' in p)).toBe(
      false,
    );
    expect(writes.length).toBeGreaterThan(5);
    expect(actions.filter((a) => writes.includes(a))).toEqual([]);
    expect(statements.every((s) => s.Condition === undefined)).toBe(true);
  });

  it("is trusted by the hub's audit role only, and only inside the organization, by default", () => {
    // Act: OperatorRoleArns left at its default (empty), so TrustOperators is false.
    const [trust, ...others] = memberTrust('AuditMemberRole', false).statements;
    const principals = asList(trust?.Principal?.AWS).map((p: { 'Fn::Sub': string }) => p['Fn::Sub']);

    // Assess
    expect(others).toEqual([]);
    expect(trust).toMatchObject({ Effect: 'Allow', Action: 'sts:AssumeRole' });
    expect(principals).toEqual(hubRoleArnsForMember(assuming));
    expect(trust.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } });
  });

  it('trusts OperatorRoleArns exactly as the member role does (a source identity, in the organization), only when set', () => {
    // Act
    const [, memberOperators] = memberTrust('MemberRole', true).statements;
    const [hub, operators, ...others] = memberTrust('AuditMemberRole', true).statements;

    // Assess: nothing an operator could not already read through the member role.
    expect(others).toEqual([]);
    expect(hub.Action).toBe('sts:AssumeRole');
    expect(operators).toEqual(memberOperators);
    expect(operators.Condition.Null).toEqual({ 'sts:SourceIdentity': 'false' });
  });

  it('is created where the member role is, named <MemberRoleName>-audit, which IAM accepts at any allowed length', () => {
    // Prepare
    const role = member.Resources.AuditMemberRole as unknown as {
      Condition: string;
      Properties: Record<string, unknown>;
    };
    const pattern = new RegExp(member.Parameters.MemberRoleName.AllowedPattern);
    const iamRoleName = /^[\w+=,.@-]{1,64}$/;

    // Act
    const longest = 'r'.repeat(58);

    // Assess: IAM role names are at most 64 characters ("IAM object quotas", IAM User Guide).
    expect(role.Condition).toBe((member.Resources.MemberRole as unknown as { Condition: string }).Condition);
    expect(role.Properties.RoleName).toEqual({ 'Fn::Sub': `\${MemberRoleName}-audit` });
    expect(pattern.test(longest)).toBe(true);
    expect(iamRoleName.test(`${longest}-audit`)).toBe(true);
    expect(pattern.test(`${longest}r`)).toBe(false);
    // The hub takes the same names, so that no name passes the hub and fails the StackSet.
    expect((config as Loosely).resources.Parameters.MemberRoleName.AllowedPattern).toBe(
      member.Parameters.MemberRoleName.AllowedPattern,
    );
    expect(member.Outputs.AuditMemberRoleArn.Value).toEqual({ 'Fn::GetAtt': ['AuditMemberRole', 'Arn'] });
  });
});

describe('IAM: each hub function assumes the member role its CLONEWARDEN_MEMBER_ROLE names, and no other', () => {
  it('lets each function acting in members assume exactly its own member role, in the organization only', async () => {
    // Act
    const { actingInMembers: acting } = await memberAccountCalls();
    const assumable = acting.map(({ name, role, memberRole }) => {
      const statements = roleStatements(config.resources.Resources, role).filter((s) =>
        asList(s.Action).includes(MEMBER_ROLE_ACTION),
      );
      return {
        name,
        resources: statements.flatMap((s) => asList(s.Resource)).map(asSubText),
        conditions: statements.map((s) => s.Condition),
        expected: `arn:\${AWS::Partition}:iam::*:role/${asSubText(member.Resources[memberRole]?.Properties.RoleName)}`,
      };
    });

    // Assess
    expect(acting.map(({ name, memberRole }) => [name, memberRole])).toEqual([
      ['enforce', 'MemberRole'],
      ['audit', 'AuditMemberRole'],
      ['pruneWorker', 'MemberRole'],
    ]);
    for (const { name, resources, conditions, expected } of assumable) {
      expect(resources, name).toEqual([expected]);
      expect(conditions, name).toEqual([
        { StringEquals: { 'aws:ResourceOrgID': { Ref: 'OrganizationId' } } },
      ]);
    }
  });
});

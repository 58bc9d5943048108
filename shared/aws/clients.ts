import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  MiddlewareStack,
  RetryStrategyV2,
} from '@smithy/types';
import { UsageError } from '../model/errors.js';
import { type ApiCallCounter, apiCallCounter, countApiCalls } from './api-call-counter.js';
import {
  DEFAULT_MEMBER_SESSION,
  functionSessionName,
  type MemberSessionName,
  type MemberSessionOwner,
  operatorSessionName,
} from './member-session.js';

/** How clients are built. `AWS_ENDPOINT_URL` is honoured by the SDK itself, for every client. */
export interface AwsClientOptions {
  /** Home region, from `resolveRegion` (aws-config.ts): never a default, because prune deletes there. */
  region: string;
  /** Attempts per call, including the first; adaptive retry mode backs off on throttling. */
  maxAttempts?: number;
  counter?: ApiCallCounter;
  /**
   * Test seam, unused in production: called with each new client's middleware stack, so that a
   * test can put fault injection between the SDK and the endpoint (test/support/fault-injection.ts).
   */
  decorateStack?: ClientStackDecorator;
  /** Test seam, unused in production: a retry strategy per client, e.g. adaptive with shorter backoff. */
  retryStrategy?: () => RetryStrategyV2;
  /**
   * Organization mode: the role (name, or path/name) that `forAccount` assumes in a member
   * account. Unset, `forAccount` refuses: the clients act only in the caller's own account.
   */
  memberRole?: string;
  /**
   * Organization mode: who the member-role sessions say they are in the member account's
   * CloudTrail. A function: `clonewarden-<function>`. An operator (the CLI): the caller's name
   * (STS GetCallerIdentity) as `clonewarden-cli-<name>` and as source identity, which the member
   * role requires of operators and their release grant. Unset: `clonewarden`, no source identity.
   */
  memberSession?: MemberSessionOwner;
}

/** The label each client's calls are counted under. */
export type ServiceLabel =
  | 'EC2'
  | 'SNS'
  | 'DynamoDB'
  | 'STS'
  | 'KMS'
  | 'Organizations'
  | 'S3'
  | 'SecurityHub'
  | 'SQS'
  | 'SSM';

// biome-ignore lint/suspicious/noExplicitAny: any client's stack.
export type ClientStackDecorator = (stack: MiddlewareStack<any, any>, service: ServiceLabel) => void;

/** The SDK clients clonewarden uses. EC2 clients are per region, because copies cross regions. */
export interface AwsClients {
  readonly region: string;
  /**
   * The member account these clients act in, as its member role; undefined for the caller's own
   * credentials (the hub's, or the CLI user's).
   */
  readonly accountId?: string;
  ec2(region?: string): EC2Client;
  /** Loaded on first use: only events with violations alert, so most invocations never need SNS. */
  sns(): Promise<SNSClient>;
  dynamodb(): DynamoDBClient;
  /** The same DynamoDB client, speaking plain objects (the ledger's items). */
  documents(): DynamoDBDocumentClient;
  /** Loaded on first use: only `release` and organization mode ask who the caller is. */
  sts(): Promise<STSClient>;
  /**
   * Loaded on first use, per region (a snapshot's key lives in the snapshot's region): only
   * policies whose encryption rules judge keys call KMS.
   */
  kms(region?: string): Promise<KMSClient>;
  /**
   * Loaded on first use: only a share judged against `organization: true`, and organization mode
   * (account names and membership), read our Organization.
   * A global service: the SDK's endpoint rules send every region's calls to its one endpoint.
   */
  organizations(): Promise<OrganizationsClient>;
  /**
   * Organization mode: the clients that act in `accountId` as its member role, with `region` as
   * their home (default: this set's). Cached per account and region, with one credential provider
   * per account that assumes the role (STS AssumeRole) and reuses the credentials until five
   * minutes before they expire. The counter is shared; the optional-operation memory is per set.
   * @throws {UsageError} when no member role is configured, or `accountId` is not 12 digits.
   */
  forAccount(accountId: string, region?: string): AwsClients;
  /** The same credentials (the caller's, or this set's member role) with `region` as home; cached. */
  inRegion(region: string): AwsClients;
  /** Loaded on first use: only the scheduled audit stores its report. */
  s3(): Promise<S3Client>;
  /**
   * An S3 client in this set's region that signs with `credentials` instead of this set's: the
   * audit's link signer (an IAM user's long-term key). A new client per call: the caller keeps it.
   */
  s3SignedWith(credentials: AwsCredentialIdentity): Promise<S3Client>;
  /** STS with the same long-term key: GetCallerIdentity says whose key it is (no permission needed). */
  stsSignedWith(credentials: AwsCredentialIdentity): Promise<STSClient>;
  /** Loaded on first use: only an audit with `audit.securityHub.enabled` imports findings. */
  securityHub(): Promise<SecurityHubClient>;
  /** Loaded on first use: only the organization prune puts its jobs on the queue. */
  sqs(): Promise<SQSClient>;
  /** Loaded on first use: only a policy kept in an SSM parameter (`CLONEWARDEN_POLICY=ssm:/…`) is read there. */
  ssm(): Promise<SSMClient>;
  readonly counter: ApiCallCounter;
  /** The optional APIs this endpoint turned out not to implement, shared by every adapter. */
  readonly unsupported: UnsupportedOperations;
}

/**
 * What an endpoint lacks (moto has no DescribeVolumeStatus, for one): asked once per client
 * set, then skipped. It lives with the clients because it is a fact about their endpoint.
 */
class UnsupportedOperations {
  readonly #operations = new Set<string>();

  /** Whether `operation` was already found missing. */
  has(operation: string): boolean {
    return this.#operations.has(operation);
  }

  /** Records that the endpoint does not implement `operation`. */
  remember(operation: string): void {
    this.#operations.add(operation);
  }
}

/**
 * Builds the clients lazily and caches them: nothing else in the code base constructs one.
 *
 * @example
 * const aws = createAwsClients({ region: await resolveRegion() });
 * await aws.ec2().send(new DescribeImagesCommand({ Owners: ['self'] }));
 * // organization mode
 * const hub = createAwsClients({ region, memberRole: 'clonewarden-member' });
 * await hub.forAccount('111122223333', 'eu-west-1').ec2().send(new DescribeImagesCommand({ Owners: ['self'] }));
 */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const counter = options.counter ?? apiCallCounter;
  const credentialsByAccount = new Map<string, AwsCredentialIdentityProvider>();
  const setsByScope = new Map<string, AwsClients>();
  const ownSets = new Map<string, AwsClients>();
  let sessionName: Promise<MemberSessionName> | undefined;
  const memberSessionName = () => {
    sessionName ??= nameMemberSessions(options.memberSession, () => root.sts());
    return sessionName;
  };
  const root: AwsClients = clientSet(options, counter, {
    inRegion(region) {
      if (region === options.region) return root;
      let set = ownSets.get(region);
      if (!set) {
        set = clientSet({ ...options, region }, counter, {
          forAccount: root.forAccount,
          inRegion: root.inRegion,
        });
        ownSets.set(region, set);
      }
      return set;
    },
    forAccount(accountId, inRegion = root.region) {
      const memberRole = options.memberRole;
      if (!memberRole)
        throw new UsageError('organization mode is off: set --member-role or CLONEWARDEN_MEMBER_ROLE');
      if (!ACCOUNT_ID.test(accountId))
        throw new UsageError(`"${accountId.slice(0, 40)}" is not an AWS account id`);
      const scope = `${accountId}/${inRegion}`;
      let set = setsByScope.get(scope);
      if (!set) {
        let credentials = credentialsByAccount.get(accountId);
        if (!credentials) {
          const roleArn = `arn:${partitionOf(options.region)}:iam::${accountId}:role/${memberRole}`;
          credentials = assumedRoleCredentials(roleArn, memberSessionName, options, counter);
          credentialsByAccount.set(accountId, credentials);
        }
        set = clientSet({ ...options, region: inRegion }, counter, {
          forAccount: root.forAccount,
          inRegion: (region) => root.forAccount(accountId, region),
          accountId,
          credentials,
        });
        setsByScope.set(scope, set);
      }
      return set;
    },
  });
  return root;
}

/** What makes a client set act in a member account, or as the caller. */
interface ClientScope {
  forAccount: AwsClients['forAccount'];
  inRegion: AwsClients['inRegion'];
  accountId?: string;
  credentials?: AwsCredentialIdentityProvider;
}

/** What every client of a set shares: its retry, its credentials, and the counting of its calls. */
function clientMaking(options: AwsClientOptions, counter: ApiCallCounter, scope: ClientScope) {
  const retry = { retryMode: 'adaptive' as const, maxAttempts: options.maxAttempts ?? 5 };
  const common = () => ({
    ...retry,
    ...(options.retryStrategy ? { retryStrategy: options.retryStrategy() } : {}),
    ...(scope.credentials ? { credentials: scope.credentials } : {}),
  });
  // biome-ignore lint/suspicious/noExplicitAny: any client's stack.
  const instrumented = <C extends { middlewareStack: MiddlewareStack<any, any> }>(
    client: C,
    service: ServiceLabel,
  ) => {
    countApiCalls(client.middlewareStack, service, counter);
    options.decorateStack?.(client.middlewareStack, service);
    return client;
  };
  return { common, instrumented };
}

/** One client set: one region as home, one set of credentials, clients built on first use. */
function clientSet(options: AwsClientOptions, counter: ApiCallCounter, scope: ClientScope): AwsClients {
  const region = options.region;
  const { common, instrumented } = clientMaking(options, counter, scope);
  const ec2In = perRegion((inRegion) =>
    instrumented(new EC2Client({ ...common(), region: inRegion }), 'EC2'),
  );
  const dynamodb = lazily(() => instrumented(new DynamoDBClient({ ...common(), region }), 'DynamoDB'));
  const kmsIn = perRegion(async (inRegion) => {
    const { KMSClient } = await import('@aws-sdk/client-kms');
    return instrumented(new KMSClient({ ...common(), region: inRegion }), 'KMS');
  });

  return {
    region,
    ...(scope.accountId ? { accountId: scope.accountId } : {}),
    counter,
    unsupported: new UnsupportedOperations(),
    forAccount: scope.forAccount,
    inRegion: scope.inRegion,
    ec2: (inRegion = region) => ec2In(inRegion),
    sns: lazily(async () =>
      instrumented(new (await import('@aws-sdk/client-sns')).SNSClient({ ...common(), region }), 'SNS'),
    ),
    dynamodb,
    documents: lazily(() => documentClientOf(dynamodb())),
    sts: lazily(async () =>
      instrumented(new (await import('@aws-sdk/client-sts')).STSClient({ ...common(), region }), 'STS'),
    ),
    kms: (inRegion = region) => kmsIn(inRegion),
    organizations: lazily(async () => {
      const { OrganizationsClient } = await import('@aws-sdk/client-organizations');
      return instrumented(new OrganizationsClient({ ...common(), region }), 'Organizations');
    }),
    s3: lazily(async () =>
      instrumented(new (await import('@aws-sdk/client-s3')).S3Client({ ...common(), region }), 'S3'),
    ),
    s3SignedWith: async (credentials) =>
      instrumented(
        new (await import('@aws-sdk/client-s3')).S3Client({ ...common(), region, credentials }),
        'S3',
      ),
    stsSignedWith: async (credentials) =>
      instrumented(
        new (await import('@aws-sdk/client-sts')).STSClient({ ...common(), region, credentials }),
        'STS',
      ),
    securityHub: lazily(async () => {
      const { SecurityHubClient } = await import('@aws-sdk/client-securityhub');
      return instrumented(new SecurityHubClient({ ...common(), region }), 'SecurityHub');
    }),
    sqs: lazily(async () =>
      instrumented(new (await import('@aws-sdk/client-sqs')).SQSClient({ ...common(), region }), 'SQS'),
    ),
    ssm: lazily(async () =>
      instrumented(new (await import('@aws-sdk/client-ssm')).SSMClient({ ...common(), region }), 'SSM'),
    ),
  };
}

/** One client per region, built on first use and then reused. */
function perRegion<Client>(build: (region: string) => Client): (region: string) => Client {
  const clients = new Map<string, Client>();
  return (region) => {
    let client = clients.get(region);
    if (client === undefined) {
      client = build(region);
      clients.set(region, client);
    }
    return client;
  };
}

/** A client built on first use (its package loaded then too), and the same one afterwards. */
function lazily<T>(build: () => T): () => T {
  let client: { built: T } | undefined;
  return () => {
    client ??= { built: build() };
    return client.built;
  };
}

/** Plain objects over the DynamoDB client; it shares the client's stack, so its calls are counted. */
function documentClientOf(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

const ACCOUNT_ID = /^\d{12}$/;

/** The partition of a region: an ARN built for another partition names nothing. */
function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * The AssumeRole parameters that name this process's member-role sessions. An operator's name is
 * asked of STS once (GetCallerIdentity, with the caller's own credentials), for every account.
 */
async function nameMemberSessions(
  owner: MemberSessionOwner | undefined,
  callerSts: () => Promise<STSClient>,
): Promise<MemberSessionName> {
  if (owner === undefined) return { RoleSessionName: DEFAULT_MEMBER_SESSION };
  if (owner.kind === 'function') return functionSessionName(owner.function);
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  return operatorSessionName(await (await callerSts()).send(new GetCallerIdentityCommand({})));
}

/**
 * The member role's credentials, shared by every client of the account: the SDK's own
 * `fromTemporaryCredentials` (STS AssumeRole from the caller's credentials, in the home region),
 * memoized until five minutes before they expire (`isIdentityExpired`), so that one Lambda
 * container assumes each account's role about once an hour, not once per client or call.
 */
function assumedRoleCredentials(
  roleArn: string,
  sessionName: () => Promise<MemberSessionName>,
  options: AwsClientOptions,
  counter: ApiCallCounter,
): AwsCredentialIdentityProvider {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  const assume: AwsCredentialIdentityProvider = async () => {
    provider ??= Promise.all([import('@aws-sdk/credential-providers'), sessionName()]).then(
      ([{ fromTemporaryCredentials }, name]) =>
        fromTemporaryCredentials({
          // The session name (and an operator's source identity) show in the member account's
          // CloudTrail on every call the session makes.
          params: { RoleArn: roleArn, ...name, DurationSeconds: 3600 },
          clientConfig: {
            region: options.region,
            retryMode: 'adaptive',
            maxAttempts: options.maxAttempts ?? 5,
          },
        }),
    );
    const resolved = await provider;
    // The SDK builds this STS client itself, outside `instrument`: counted here instead.
    counter.record('STS:AssumeRole');
    return resolved();
  };
  const memoized = memoizeIdentityProvider(assume, isIdentityExpired, doesIdentityRequireRefresh);
  return memoized ?? assume;
}

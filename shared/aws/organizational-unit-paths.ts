import { OrganizationUnavailableError } from '../model/errors.js';
import type { AwsClients } from './clients.js';

/** Where accounts sit in the organization: for the policy's per-OU overrides. */
export interface OrganizationalUnitPaths {
  /**
   * The OU ids above `accountId`, from the root's child down to its own parent (empty for an
   * account directly under the root).
   */
  organizationalUnitsOf(accountId: string): Promise<string[]>;
}

/** OUs nest at most five levels under the root ("Quotas for AWS Organizations"); more is a loop. */
const MAX_OU_DEPTH = 5;

/** A member's OU path is reused for an hour: moving an account between OUs is rare. */
const PATH_CACHE_MS = 60 * 60_000;

/**
 * Organizations `ListParents` only, in a file of its own: a role that reads an account's OUs
 * (the prune worker, for the policy's overrides) is granted that call and no other
 * organizations: call (test/packaging/iam-least-privilege.test.ts counts calls per file).
 * It answers in the management account and in a delegated administrator account.
 */
export class AwsOrganizationalUnitPaths implements OrganizationalUnitPaths {
  readonly #aws: AwsClients;
  readonly #now: () => number;
  readonly #cacheMs: number;
  readonly #paths = new Map<string, { until: number; answer: Promise<string[]> }>();

  constructor(aws: AwsClients, options: { now?: () => number; cacheMs?: number } = {}) {
    this.#aws = aws;
    this.#now = options.now ?? Date.now;
    this.#cacheMs = options.cacheMs ?? PATH_CACHE_MS;
  }

  /**
   * ListParents from the account up to the root, cached per account for as long as a member's
   * name: moving an account between OUs is rare, and its new overrides apply within the hour.
   */
  organizationalUnitsOf(accountId: string): Promise<string[]> {
    const cached = this.#paths.get(accountId);
    if (cached && cached.until > this.#now()) return cached.answer;
    const entry = { until: Number.POSITIVE_INFINITY, answer: this.#pathOnce(accountId) };
    this.#paths.set(accountId, entry);
    entry.answer.then(
      () => {
        entry.until = this.#now() + this.#cacheMs;
      },
      () => this.#paths.delete(accountId),
    );
    return entry.answer;
  }

  async #pathOnce(accountId: string): Promise<string[]> {
    const client = await this.#aws.organizations();
    const { ListParentsCommand } = await import('@aws-sdk/client-organizations');
    const path: string[] = [];
    let child = accountId;
    for (let depth = 0; depth <= MAX_OU_DEPTH; depth++) {
      // An account or OU has exactly one parent (ListParents, Organizations API reference).
      const { Parents } = await client.send(new ListParentsCommand({ ChildId: child }));
      const parent = Parents?.[0];
      if (!parent?.Id || parent.Type === 'ROOT') return path;
      path.unshift(parent.Id);
      child = parent.Id;
    }
    throw new OrganizationUnavailableError(
      `the OUs above account ${accountId} nest deeper than Organizations allows: ListParents answers in a loop`,
    );
  }
}

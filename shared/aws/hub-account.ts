import { type CallerIdentity, StsCallerIdentity } from './caller-identity.js';
import type { AwsClients } from './clients.js';

/**
 * The hub's own account, asked of STS once (GetCallerIdentity, which needs no permission) and
 * kept for the container; a failure is not kept, so that the next call asks again. Its own file,
 * without `forAccount`: the prune fan-out asks it and may not assume the member role
 * (test/packaging/iam-least-privilege.test.ts counts calls per file).
 */
export class HubAccount {
  readonly #identity: CallerIdentity;
  #id: Promise<string | undefined> | undefined;

  constructor(hub: AwsClients, options: { identity?: CallerIdentity } = {}) {
    this.#identity = options.identity ?? new StsCallerIdentity(hub);
  }

  /** The hub's account id, asked once. */
  id(): Promise<string | undefined> {
    this.#id ??= this.#identity.whoAmI().then(
      (caller) => caller.account,
      (error: unknown) => {
        this.#id = undefined;
        throw error;
      },
    );
    return this.#id;
  }
}

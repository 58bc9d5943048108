import type { AwsClientOptions } from '../../shared/aws/clients.js';
import type { VisibilityRetry } from '../../shared/aws/ec2-clone-facts.js';
import type { ContextOptions } from '../../shared/pipeline/create-enforce-context.js';

/*
 * The bodies of the `vi.mock` factories that put the fault harness into the real enforce handler.
 * Each test file keeps its own `vi.hoisted` harness object and its own `vi.mock` lines (vitest
 * hoists them per file); a factory imports this file and hands it the original module and the
 * harness. Two rules keep that safe:
 * - only `import type` from the mocked modules: a value import from inside their own factory
 *   would load them through the mock again (a circle);
 * - no state here: `vi.resetModules()` (a new container) may load this file afresh, so the
 *   settings live in each test file's hoisted object, which survives the reset.
 */

/** What a test sets before it loads containers; read on every client and context built. */
export interface EnforceHarness {
  /** Merged into every `createAwsClients` call, e.g. the fault injector's `decorateStack`. */
  options: Pick<AwsClientOptions, 'decorateStack' | 'retryStrategy'>;
  /** Replaces the visibility backoff of every `createEnforceContext` call (unset: production's). */
  visibilityRetry?: VisibilityRetry;
}

type ClientsModule = typeof import('../../shared/aws/clients.js');
type EnforceContextModule = typeof import('../../shared/pipeline/create-enforce-context.js');

/** shared/aws/clients.ts with the harness's options merged into every client set. */
export function harnessedClients(original: ClientsModule, harness: EnforceHarness): ClientsModule {
  return {
    ...original,
    createAwsClients: (options: AwsClientOptions) =>
      original.createAwsClients({ ...options, ...harness.options }),
  };
}

/** shared/pipeline/create-enforce-context.ts with the harness's visibility backoff. */
export function harnessedEnforceContext(
  original: EnforceContextModule,
  harness: EnforceHarness,
): EnforceContextModule {
  return {
    ...original,
    createEnforceContext: (options: ContextOptions) =>
      original.createEnforceContext({ ...options, visibilityRetry: harness.visibilityRetry }),
  };
}

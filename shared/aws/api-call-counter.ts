import type { MiddlewareStack } from '@smithy/types';

/**
 * Counts API calls by operation name ("EC2:DescribeImages") across every client built by
 * `createAwsClients`. Benchmarks and tests read it; the handlers reset it per invocation.
 */
export class ApiCallCounter {
  readonly #calls = new Map<string, number>();

  record(operation: string): void {
    this.#calls.set(operation, (this.#calls.get(operation) ?? 0) + 1);
  }

  /** Calls per operation, sorted by name so that snapshots are stable. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#calls.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  total(filter: (operation: string) => boolean = () => true): number {
    let sum = 0;
    for (const [operation, count] of this.#calls) if (filter(operation)) sum += count;
    return sum;
  }

  reset(): void {
    this.#calls.clear();
  }
}

/** The one counter that every client shares within this process. */
export const apiCallCounter = new ApiCallCounter();

/**
 * Adds the counting middleware to a client's stack. It runs at `initialize`, once per
 * logical call: SDK retries of the same call are not counted again.
 */
export function countApiCalls(
  // biome-ignore lint/suspicious/noExplicitAny: any client's stack; the middleware only reads the context.
  stack: MiddlewareStack<any, any>,
  serviceLabel: string,
  counter: ApiCallCounter,
): void {
  stack.add(
    (next, context) => async (args) => {
      counter.record(`${serviceLabel}:${String(context.commandName ?? 'unknown').replace(/Command$/, '')}`);
      return next(args);
    },
    { step: 'initialize', name: 'clonewardenApiCallCounter', priority: 'high' },
  );
}

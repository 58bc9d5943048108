import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import type { Verdict } from '../../shared/model/types.js';
import { TIME_SCALE } from './fault-injection.js';

/*
 * Lambda's asynchronous invocation, as EventBridge uses it, modelled for the reliability tests:
 * one attempt plus two retries per event ("Asynchronous invocation": retries happen one and two
 * minutes later, here on the tests' faster clock, so other work runs in between), then the WHOLE event goes to the on-failure
 * destination (here a list, standing for the SQS dead-letter queue). Each container is its own
 * module instance of functions/enforce.ts, with its own SDK clients, retry quota and rate limiter,
 * and runs one invocation at a time, as a Lambda execution environment does.
 */

export type LambdaHandler = (event: unknown, context: Context) => Promise<Verdict>;

const LAMBDA_ATTEMPTS = 3;
/** Lambda retries an async event after about one, then two minutes; on the tests' 20x clock. */
const LAMBDA_RETRY_DELAYS_MS: readonly number[] = [60_000 / TIME_SCALE, 120_000 / TIME_SCALE];

import { lambdaContext } from './run-cli.js';

export { lambdaContext };

/**
 * A fresh container: functions/enforce.ts loaded anew (`vi.resetModules()`), with its own SDK
 * clients, built through the calling test file's `vi.mock` harness.
 */
export async function loadContainer(): Promise<LambdaHandler> {
  vi.resetModules();
  return ((await import('../../functions/enforce.js')) as unknown as { handler: LambdaHandler }).handler;
}

/** `count` fresh containers, one after another (each load resets the module registry). */
export async function loadContainers(count: number): Promise<LambdaHandler[]> {
  const containers: LambdaHandler[] = [];
  for (let i = 0; i < count; i++) containers.push(await loadContainer());
  return containers;
}

/** What became of one event. */
interface DeliveryOutcome {
  event: Record<string, unknown>;
  eventId: string;
  /** One entry per invocation: the error name and message, or `ok`. */
  invocations: string[];
  verdict?: Verdict;
  deadLettered: boolean;
}

/** The on-failure destination's record: the whole event and why it failed. */
interface DeadLetter {
  event: Record<string, unknown>;
  errors: string[];
}

export interface DeliveryReport {
  /** In the order the events were given; duplicates of one event are separate deliveries. */
  outcomes: DeliveryOutcome[];
  deadLetters: DeadLetter[];
  /** Invocations per attempt number (1, 2, 3) that succeeded. */
  succeededOnAttempt: Record<number, number>;
}

const describe = (error: unknown): string => {
  const shape = error as { name?: string; message?: string };
  return `${shape?.name ?? 'Error'}: ${String(shape?.message ?? error)
    .split('\n')[0]!
    .slice(0, 200)}`;
};

/**
 * Delivers every event through the containers, with Lambda's retries and dead-lettering.
 * Returns when every event was either answered or dead-lettered.
 */
export async function deliverAsync(
  events: Record<string, unknown>[],
  containers: LambdaHandler[],
  options: { attempts?: number; context?: () => Context; retryDelaysMs?: readonly number[] } = {},
): Promise<DeliveryReport> {
  const attempts = options.attempts ?? LAMBDA_ATTEMPTS;
  const retryDelays = options.retryDelaysMs ?? LAMBDA_RETRY_DELAYS_MS;
  const context = options.context ?? (() => lambdaContext());
  const deadLetters: DeadLetter[] = [];
  const succeededOnAttempt: Record<number, number> = {};
  const outcomes = events.map((event): DeliveryOutcome => {
    const eventId = String((event.detail as { eventID?: unknown } | undefined)?.eventID ?? randomUUID());
    return { event, eventId, invocations: [], deadLettered: false };
  });
  const queue = outcomes.map((outcome) => ({ outcome, dueAt: 0 }));
  let inFlight = 0;

  async function runContainer(handler: LambdaHandler): Promise<void> {
    for (;;) {
      const now = Date.now();
      const index = queue.findIndex((job) => job.dueAt <= now);
      if (index < 0) {
        if (queue.length === 0 && inFlight === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 2));
        continue;
      }
      const { outcome } = queue.splice(index, 1)[0]!;
      inFlight++;
      try {
        // Lambda hands each invocation its own copy of the payload.
        outcome.verdict = await handler(structuredClone(outcome.event), context());
        outcome.invocations.push('ok');
        const attempt = outcome.invocations.length;
        succeededOnAttempt[attempt] = (succeededOnAttempt[attempt] ?? 0) + 1;
      } catch (error) {
        outcome.invocations.push(describe(error));
        if (outcome.invocations.length < attempts) {
          const delay = retryDelays[outcome.invocations.length - 1] ?? retryDelays.at(-1) ?? 0;
          queue.push({ outcome, dueAt: Date.now() + delay });
        } else {
          outcome.deadLettered = true;
          deadLetters.push({ event: structuredClone(outcome.event), errors: [...outcome.invocations] });
        }
      } finally {
        inFlight--;
      }
    }
  }

  await Promise.all(containers.map(runContainer));
  return { outcomes, deadLetters, succeededOnAttempt };
}

const FIGURES = resolve(import.meta.dirname, '../../bench/results/reliability.json');

/**
 * Writes one test file's figures into bench/results/reliability.json under `section`, keeping
 * the other files' sections (integration files run one after another). Only when asked
 * (`CLONEWARDEN_RECORD_FIGURES=1`, see docs/reliability.md): an ordinary test run leaves the
 * committed figures, and the work tree, alone.
 */
export function recordFigures(section: string, figures: Record<string, unknown>): void {
  if (process.env.CLONEWARDEN_RECORD_FIGURES !== '1') return;
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(FIGURES, 'utf8'));
  } catch {
    // First run: no file yet.
  }
  all[section] = figures;
  mkdirSync(dirname(FIGURES), { recursive: true });
  writeFileSync(FIGURES, `${JSON.stringify(all, null, 2)}\n`);
}

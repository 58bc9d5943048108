import { randomUUID } from 'node:crypto';
import { AdaptiveRetryStrategy, DefaultRateLimiter } from '@smithy/core/retry';
import type { RetryStrategyV2 } from '@smithy/types';
import type { ClientStackDecorator, ServiceLabel } from '../../shared/aws/clients.js';
import { DEFAULT_VISIBILITY_RETRY, type VisibilityRetry } from '../../shared/aws/ec2-clone-facts.js';

/*
 * Fault injection between the SDK and the endpoint, for the reliability tests.
 *
 * It is an SDK middleware placed *inside* the retry loop (step `deserialize`, after signing),
 * so every fault is one failed attempt that the SDK's own retry strategy sees and classifies,
 * exactly as it would a fault on the wire. Error answers are real AWS error documents, parsed
 * by the SDK's real deserialisers: a throttled EC2 call is `RequestLimitExceeded` (HTTP 503),
 * which the SDK classifies as THROTTLING, so adaptive mode's rate limiter engages.
 *
 * Every fault except `lostResponse` happens BEFORE the request reaches the endpoint, so a failed
 * attempt had no effect. `lostResponse` lets the request through and then loses the answer: the
 * ambiguous case, where the caller cannot tell whether the call happened.
 */

export type FaultKind = 'throttle' | 'http500' | 'http503' | 'drop' | 'timeout' | 'lostResponse';
const FAULT_KINDS: readonly FaultKind[] = [
  'throttle',
  'http500',
  'http503',
  'drop',
  'timeout',
  'lostResponse',
];

export interface FaultProfile {
  /** Probability that one attempt (one HTTP request) fails. */
  rate: number;
  /** Relative weights of the kinds; a kind that is absent never happens. */
  mix: Partial<Record<FaultKind, number>>;
}

/** The share of attempts that fail in the reliability tests' storms. */
export const FAULT_RATE = 0.3;

/** Every kind of fault, lost answers included: EC2's in a storm (its calls are safe to repeat). */
export const FAULTS_WITH_LOST_ANSWERS: FaultProfile = {
  rate: FAULT_RATE,
  mix: { throttle: 1, http500: 1, http503: 1, drop: 1, timeout: 1, lostResponse: 1 },
};

/**
 * Every fault before the request, so a failed attempt had no effect: SNS's in a storm, because
 * Publish is not idempotent (lost answers are studied on their own in
 * reliability-duplicates-crash, "ambiguous publishes").
 */
export const FAULTS_BEFORE_REQUEST: FaultProfile = {
  rate: FAULT_RATE,
  mix: { throttle: 1, http500: 1, http503: 1, drop: 1, timeout: 1 },
};

/** One attempt as the harness sees it, for scripted faults. */
export interface Attempt {
  service: ServiceLabel;
  operation: string;
  input: Record<string, unknown>;
}

/**
 * What a script may do to an attempt: any wire fault before it is sent, or after it succeeded
 * `crash` (throw a non-AWS error, as a bug or an out-of-memory would); before or after, `hang`
 * (never answer: the invocation is abandoned, as when Lambda times out or the process dies).
 */
type ScriptedFault = { before: FaultKind | 'hang' } | { after: 'crash' | 'hang' | 'lostResponse' };

export type FaultScript = (attempt: Attempt) => ScriptedFault | undefined;

class LambdaCrashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LambdaCrashError';
  }
}

/** Counts by `SERVICE:kind` and by service. */
export interface FaultStats {
  attempts: Record<string, number>;
  faults: Record<string, number>;
  notFoundYet: number;
  /** Attempts that reached the endpoint (including those whose answer was then lost). */
  reachedEndpoint: Record<string, number>;
}

const MUTATING = /^(Create|Modify|Disable|Enable|Delete|Publish|Register|Copy|Deregister|Reset)/;
export const isMutating = (operation: string): boolean => MUTATING.test(operation);

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export class FaultInjector {
  readonly stats: FaultStats = { attempts: {}, faults: {}, notFoundYet: 0, reachedEndpoint: {} };
  readonly #profiles = new Map<ServiceLabel, FaultProfile>();
  readonly #hidden = new Map<string, number>();
  readonly #scripts = new Set<FaultScript>();
  readonly #random: () => number;
  /** Every attempt that reached the endpoint, in order: the mutating-call audit of the tests. */
  readonly sent: Attempt[] = [];
  recordSent = false;

  constructor(seed: number) {
    this.#random = seededRandom(seed);
  }

  setProfile(service: ServiceLabel, profile: FaultProfile | undefined): void {
    if (profile) this.#profiles.set(service, profile);
    else this.#profiles.delete(service);
  }

  clearProfiles(): void {
    this.#profiles.clear();
  }

  /** "Not found yet": the first `calls` EC2 attempts that name `id` answer `*.NotFound`. */
  hide(id: string, calls: number): void {
    if (calls > 0) this.#hidden.set(id, calls);
  }

  /** Adds a scripted fault; returns a function that removes it. */
  script(script: FaultScript): () => void {
    this.#scripts.add(script);
    return () => this.#scripts.delete(script);
  }

  /**
   * A crash right after the first successful attempt that `matches` (as a bug or an
   * out-of-memory would strike); `crashed` tells whether it happened, `remove` disarms it.
   */
  crashAfterFirst(matches: (attempt: Attempt) => boolean): { crashed: () => boolean; remove: () => void } {
    let crashed = false;
    const remove = this.script((attempt) => {
      if (crashed || !matches(attempt)) return undefined;
      crashed = true;
      return { after: 'crash' };
    });
    return { crashed: () => crashed, remove: () => void remove() };
  }

  resetStats(): void {
    for (const key of Object.keys(this.stats) as (keyof FaultStats)[]) {
      if (key === 'notFoundYet') this.stats.notFoundYet = 0;
      else this.stats[key] = {};
    }
    this.sent.length = 0;
  }

  /** Pass as `createAwsClients({ decorateStack })`. */
  readonly decorateStack: ClientStackDecorator = (stack, service) => {
    // biome-ignore lint/suspicious/noExplicitAny: the untyped args and output of any command.
    type Untyped = any;
    stack.add(
      (next: Untyped, context: Untyped) =>
        async (args: Untyped): Promise<Untyped> =>
          this.#attempt(service, next, context, args),
      { step: 'deserialize', priority: 'low', name: 'clonewardenTestFaultInjection' },
    );
  };

  // biome-ignore lint/suspicious/noExplicitAny: the middleware's untyped arguments.
  async #attempt(service: ServiceLabel, next: any, context: any, args: any): Promise<unknown> {
    const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
    const attempt: Attempt = { service, operation, input: args.input ?? {} };
    bump(this.stats.attempts, service);

    let scripted: ScriptedFault | undefined;
    for (const script of this.#scripts) scripted ??= script(attempt);

    if (service === 'EC2') {
      const hiddenId = this.#hiddenIdIn(attempt.input);
      if (hiddenId) {
        this.stats.notFoundYet += 1;
        return { response: notFoundResponse(hiddenId) };
      }
    }

    const kind = scripted && 'before' in scripted ? scripted.before : this.#randomFault(service);
    if (kind === 'hang') return new Promise(() => {});
    if (kind && kind !== 'lostResponse') {
      bump(this.stats.faults, `${service}:${kind}`);
      return this.#failBefore(service, kind);
    }

    bump(this.stats.reachedEndpoint, service);
    if (this.recordSent) this.sent.push(attempt);
    const result = await next(args);
    const after = scripted && 'after' in scripted ? scripted.after : kind;
    if (after === 'lostResponse') {
      bump(this.stats.faults, `${service}:lostResponse`);
      throw connectionError('ECONNRESET', 'socket hang up (response lost after the request was served)');
    }
    if (after === 'crash') throw new LambdaCrashError(`crashed after ${service}:${operation} succeeded`);
    if (after === 'hang') return new Promise(() => {});
    return result;
  }

  #randomFault(service: ServiceLabel): FaultKind | undefined {
    const profile = this.#profiles.get(service);
    if (!profile || this.#random() >= profile.rate) return undefined;
    const weights = FAULT_KINDS.map((kind) => [kind, profile.mix[kind] ?? 0] as const);
    const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
    let pick = this.#random() * total;
    for (const [kind, weight] of weights) {
      pick -= weight;
      if (pick < 0) return kind;
    }
    return undefined;
  }

  async #failBefore(service: ServiceLabel, kind: Exclude<FaultKind, 'lostResponse'>): Promise<unknown> {
    switch (kind) {
      case 'drop':
        throw connectionError('ECONNRESET', 'socket hang up');
      case 'timeout': {
        // What @smithy/node-http-handler throws when requestTimeout passes; the wait is token.
        await new Promise((resolve) => setTimeout(resolve, 5));
        const error = new Error('Connection timed out after 5 ms');
        error.name = 'TimeoutError';
        throw error;
      }
      default:
        return { response: errorResponse(service, kind) };
    }
  }

  #hiddenIdIn(input: Record<string, unknown>): string | undefined {
    if (this.#hidden.size === 0) return undefined;
    for (const value of Object.values(input)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item !== 'string') continue;
        const left = this.#hidden.get(item);
        if (left === undefined) continue;
        if (left <= 1) this.#hidden.delete(item);
        else this.#hidden.set(item, left - 1);
        return item;
      }
    }
    return undefined;
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function connectionError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const encoder = new TextEncoder();

interface WireError {
  status: number;
  code: string;
  message: string;
}

/**
 * The error each service really answers for each kind (EC2 throttling is a 503). The audit's
 * S3 and Security Hub calls are not fault-tested: they have no entry, and injecting into them fails.
 */
const WIRE_ERRORS: Partial<Record<ServiceLabel, Record<'throttle' | 'http500' | 'http503', WireError>>> = {
  EC2: {
    throttle: { status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' },
    http500: { status: 500, code: 'InternalError', message: 'An internal error has occurred' },
    http503: { status: 503, code: 'Unavailable', message: 'The server is overloaded' },
  },
  SNS: {
    throttle: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
    http500: { status: 500, code: 'InternalError', message: 'Internal error' },
    http503: { status: 503, code: 'ServiceUnavailable', message: 'Service unavailable' },
  },
  DynamoDB: {
    throttle: {
      status: 400,
      code: 'ThrottlingException',
      message: 'Rate of requests exceeds the allowed throughput.',
    },
    http500: { status: 500, code: 'InternalServerError', message: 'Internal server error' },
    http503: { status: 503, code: 'ServiceUnavailable', message: 'Service unavailable' },
  },
  STS: {
    throttle: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
    http500: { status: 500, code: 'InternalFailure', message: 'Internal failure' },
    http503: { status: 503, code: 'ServiceUnavailable', message: 'Service unavailable' },
  },
  KMS: {
    throttle: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
    http500: { status: 500, code: 'KMSInternalException', message: 'Internal error' },
    http503: { status: 503, code: 'ServiceUnavailableException', message: 'Service unavailable' },
  },
  Organizations: {
    throttle: { status: 400, code: 'TooManyRequestsException', message: 'Rate exceeded' },
    http500: { status: 500, code: 'ServiceException', message: 'Internal error' },
    http503: { status: 503, code: 'ServiceUnavailable', message: 'Service unavailable' },
  },
};

function errorResponse(service: ServiceLabel, kind: 'throttle' | 'http500' | 'http503') {
  const wire = WIRE_ERRORS[service]?.[kind];
  if (!wire) throw new Error(`no wire error for ${service}: add it to WIRE_ERRORS`);
  if (service === 'DynamoDB') return jsonError(wire, `com.amazonaws.dynamodb.v20120810#${wire.code}`);
  // KMS and Organizations speak JSON 1.1 with the bare code as their type.
  if (service === 'KMS' || service === 'Organizations')
    return jsonError(wire, wire.code, 'application/x-amz-json-1.1');
  return queryError(service, wire);
}

function queryError(service: ServiceLabel, { status, code, message }: WireError) {
  const requestId = randomUUID();
  const body =
    service === 'EC2'
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
      : `<ErrorResponse><Error><Type>Receiver</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return {
    statusCode: status,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
    body: encoder.encode(body),
  };
}

/** A JSON-protocol error: DynamoDB (1.0, namespaced type), KMS and Organizations (1.1, bare code). */
function jsonError({ status, message }: WireError, type: string, contentType = 'application/x-amz-json-1.0') {
  const body = JSON.stringify({ __type: type, message });
  return {
    statusCode: status,
    headers: { 'content-type': contentType, 'x-amzn-requestid': randomUUID() },
    body: encoder.encode(body),
  };
}

function notFoundResponse(id: string) {
  const code = id.startsWith('ami-') ? 'InvalidAMIID.NotFound' : 'InvalidSnapshot.NotFound';
  return queryError('EC2', { status: 400, code, message: `The ID '${id}' does not exist` });
}

/**
 * Time in the retry machinery runs this many times faster than in production: backoff delays
 * and the adaptive rate limiter's clock are scaled together, so its dynamics keep their shape.
 */
export const TIME_SCALE = 20;

class ScaledBackoff {
  #base = 50;
  setDelayBase(delay: number): void {
    this.#base = delay / TIME_SCALE;
  }
  computeNextBackoffDelay(retries: number): number {
    return Math.floor(Math.random() * Math.min(this.#base * 2 ** retries, 20_000 / TIME_SCALE));
  }
}

/** Production's visibility backoff (6 attempts, 0.5 s doubling to 8 s), on the same faster clock. */
export const SCALED_VISIBILITY_RETRY: VisibilityRetry = {
  attempts: DEFAULT_VISIBILITY_RETRY.attempts,
  baseDelayMs: DEFAULT_VISIBILITY_RETRY.baseDelayMs / TIME_SCALE,
  maxDelayMs: DEFAULT_VISIBILITY_RETRY.maxDelayMs / TIME_SCALE,
};

/** The rate limiter's private state, which the SDK does not type for outsiders. */
interface RateLimiterInternals {
  enabled: boolean;
  lastThrottleTime: number;
  lastTxRateBucket: number;
  getCurrentTimeInSeconds(): number;
}

/** Every rate limiter handed out, so that a test can tell whether throttling engaged one. */
export const rateLimiters: DefaultRateLimiter[] = [];
export const rateLimiterEngaged = (limiter: DefaultRateLimiter): boolean =>
  (limiter as unknown as RateLimiterInternals).enabled;

/** The adaptive rate limiter on a clock that runs {@link TIME_SCALE} times faster. */
function scaledRateLimiter(): DefaultRateLimiter {
  const limiter = new DefaultRateLimiter();
  const internals = limiter as unknown as RateLimiterInternals;
  internals.getCurrentTimeInSeconds = () => (Date.now() / 1000) * TIME_SCALE;
  internals.lastThrottleTime = internals.getCurrentTimeInSeconds();
  internals.lastTxRateBucket = Math.floor(internals.getCurrentTimeInSeconds());
  rateLimiters.push(limiter);
  return limiter;
}

let scaledTimers = false;
/**
 * SDK retry strategies as production configures them (adaptive, 5 attempts, the SDK's own retry
 * quota), with backoff and the rate limiter's clock {@link TIME_SCALE} times faster.
 */
export function scaledAdaptiveRetry(): () => RetryStrategyV2 {
  if (!scaledTimers) {
    scaledTimers = true;
    // The limiter waits with this static hook; its waits shrink with its clock.
    const statics = DefaultRateLimiter as unknown as {
      setTimeoutFn: (fn: () => void, delay: number) => unknown;
    };
    const original = statics.setTimeoutFn;
    statics.setTimeoutFn = (fn, delay) => original(fn, delay / TIME_SCALE);
  }
  return () =>
    new AdaptiveRetryStrategy(5, { rateLimiter: scaledRateLimiter(), backoff: new ScaledBackoff() });
}

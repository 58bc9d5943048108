/**
 * An Auto Scaling group launching 1,000 instances from an AMI that is not a clone of ours: 1,000
 * RunInstances records through the wrapped Lambda handler (one container, one event after the
 * other, as Lambda runs them), against a local fake EC2 endpoint that owns no image
 * (bench/lib/fake-restore-endpoint.ts). Two bursts: all from one AMI (the container's cache
 * answers all but the first), then from 1,000 different AMIs (every event a cache miss: the
 * worst case). Calls per event are counted at the endpoint; wall and CPU per event (the fake runs
 * in the same process: its CPU is included, so the figure is an upper bound), and the
 * process's peak RSS, around each burst.
 *
 *   node --import tsx bench/restore-burst.ts        (npm run bench:restore-burst)
 *
 * Target (issue 10): at most 2 AWS calls per event. The idempotency table is set, as deployed: a
 * launch from an image that is not ours is answered before the idempotency store is asked, so a
 * DynamoDB call would show up here (the fake answers it with an error, counted by its target).
 * Writes bench/results/restore-burst.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { type Caller, eventBridgeEnvelope, records } from '../scripts/lib/cloudtrail-records.js';
import type { Verdict } from '../shared/model/types.js';
import { startFakeRestoreEndpoint } from './lib/fake-restore-endpoint.js';

const ROOT = resolve(import.meta.dirname, '..');
const REGION = 'us-east-1';
const EVENTS = 1_000;
const ACCOUNT = '123456789012';
const autoScaling: Caller = { type: 'AWSService', service: 'autoscaling.amazonaws.com' } as Caller;
const context = {
  functionName: 'bench',
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const launchRecord = (imageId: string, index: number) => {
  const record = records.runInstances({
    caller: autoScaling,
    region: REGION,
    imageId,
    instances: [{ instanceId: `i-${hex(index, 17)}` }],
  });
  return eventBridgeEnvelope({ ...record, recipientAccountId: ACCOUNT });
};

async function burst(
  name: string,
  handler: (event: unknown, context: Context) => Promise<Verdict>,
  requests: () => Record<string, number>,
  imageFor: (index: number) => string,
) {
  const events = Array.from({ length: EVENTS }, (_, index) => launchRecord(imageFor(index), index));
  const before = requests();
  const statuses: Record<string, number> = {};
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const event of events) {
    const verdict = await handler(event, context);
    statuses[verdict.status] = (statuses[verdict.status] ?? 0) + 1;
  }
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const after = requests();
  const calls = Object.fromEntries(
    Object.entries(after).map(([action, count]) => [action, count - (before[action] ?? 0)]),
  );
  const total = Object.values(calls).reduce((sum, count) => sum + count, 0);
  return {
    burst: name,
    events: EVENTS,
    statuses,
    calls,
    callsPerEvent: total / EVENTS,
    wallMsPerEvent: Number((wallMs / EVENTS).toFixed(3)),
    cpuMsPerEvent: Number(((used.user + used.system) / 1000 / EVENTS).toFixed(3)),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

async function main() {
  const fake = await startFakeRestoreEndpoint();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: fake.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    CLONEWARDEN_POLICY: resolve(ROOT, 'clonewarden.yml'),
    // As deployed: an image that is not ours is judged before the idempotency store and the
    // ledger are asked, and the fake would answer (and count) any DynamoDB request as an error.
    CLONEWARDEN_LEDGER_TABLE: 'bench-ledger',
    CLONEWARDEN_IDEMPOTENCY_TABLE: 'bench-idempotency',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  try {
    const { handler } = (await import('../functions/enforce.js')) as unknown as {
      handler: (event: unknown, context: Context) => Promise<Verdict>;
    };
    // One warm-up event of an unrelated image, so that the first burst does not pay the policy load.
    await handler(launchRecord('ami-0ffffffffffffffff', 0), context);
    const results = [
      await burst('one AMI, 1,000 launches', handler, fake.requests, () => 'ami-0a1b2c3d4e5f60718'),
      await burst(
        '1,000 AMIs, one launch each (every event a cache miss)',
        handler,
        fake.requests,
        (i) => `ami-${hex(0x100000 + i, 17)}`,
      ),
    ];
    const output = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      target: '≤ 2 AWS calls per RunInstances event of an image that is not a clone',
      idempotency: 'table set, as deployed: DynamoDB calls, if any, are counted in calls',
      results,
    };
    mkdirSync(resolve(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(resolve(ROOT, 'bench/results/restore-burst.json'), `${JSON.stringify(output, null, 2)}\n`);
    console.table(results.map(({ calls: _calls, statuses: _statuses, ...row }) => row));
  } finally {
    await fake.close();
  }
}

await main();

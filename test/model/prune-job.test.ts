import { describe, expect, it } from 'vitest';
import { PRUNE_QUEUE_MESSAGE, runIdOf } from '../../shared/model/prune-job.js';

describe('Model: the organization prune queue message', () => {
  it('names a run by its schedule time, and nothing else', () => {
    expect(runIdOf('2026-03-01T06:00:00Z')).toBe('2026-03-01T06:00:00Z');
    expect(runIdOf('2026-03-01T06:00:00.123Z')).toBe('2026-03-01T06:00:00.123Z');
    expect(runIdOf('2026-03-01 06:00:00')).toBeUndefined();
    expect(runIdOf('2026-03-01T06:00:00Z/../x')).toBeUndefined();
    expect(runIdOf(1_772_344_800_000)).toBeUndefined();
    expect(runIdOf(undefined)).toBeUndefined();
  });

  it('takes the regions the rest of clonewarden takes (AWS_REGION_NAME), two-digit numbers included', () => {
    const job = (region: string) => ({
      kind: 'prune',
      runId: '2026-03-01T06:00:00Z',
      account: '111122223333',
      accountName: 'lab',
      region,
      hubAccount: false,
    });
    expect(PRUNE_QUEUE_MESSAGE.safeParse(job('us-gov-west-1')).success).toBe(true);
    expect(PRUNE_QUEUE_MESSAGE.safeParse(job('ap-southeast-10')).success).toBe(true);
    expect(PRUNE_QUEUE_MESSAGE.safeParse(job('eu-west-1/../x')).success).toBe(false);
  });
});

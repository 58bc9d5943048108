import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CountedMetrics } from '../../functions/counted-metrics.js';

/** A logger that records Powertools' warnings, and the EMF lines written to stdout. */
function capture() {
  const warnings: string[] = [];
  const logger = {
    debug: () => {},
    info: () => {},
    warn: (message: unknown) => warnings.push(String(message)),
    error: () => {},
  };
  const emf: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    emf.push(String(chunk));
    return true;
  });
  return { warnings, logger, emf };
}

const OPTIONS = { namespace: 'clonewarden', serviceName: 'clonewarden' };

describe('CountedMetrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('publishes what was counted, once, as one EMF line', () => {
    const { warnings, logger, emf } = capture();
    const metrics = new CountedMetrics({ ...OPTIONS, logger });
    metrics.addMetric('EventsReceived', MetricUnit.Count, 1);

    metrics.publishStoredMetrics();
    metrics.publishStoredMetrics();

    expect(emf).toHaveLength(1);
    expect(JSON.parse(emf[0]!)).toMatchObject({ EventsReceived: 1, service: 'clonewarden' });
    expect(warnings).toEqual([]);
  });

  it('with nothing counted, publishes nothing and warns nothing (Powertools itself warns)', () => {
    const { warnings, logger, emf } = capture();

    new CountedMetrics({ ...OPTIONS, logger }).publishStoredMetrics();
    expect({ emf, warnings }).toEqual({ emf: [], warnings: [] });

    new Metrics({ ...OPTIONS, logger }).publishStoredMetrics();
    expect(warnings).toEqual([expect.stringContaining('No application metrics to publish')]);
  });

  it('counts through the interface shared/ uses: 1 by default, or the value given', () => {
    const { logger, emf } = capture();
    const metrics = new CountedMetrics({ ...OPTIONS, logger });
    metrics.count('EventsSkipped');
    metrics.count('PruneJobsQueued', 12);

    metrics.publishStoredMetrics();

    expect(JSON.parse(emf[0]!)).toMatchObject({ EventsSkipped: 1, PruneJobsQueued: 12 });
  });
});

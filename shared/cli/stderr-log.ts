import type { EnforcerLog, EnforcerMetrics, LogFields } from '../model/log.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/**
 * The CLI's logger: one line per entry on stderr, so that stdout carries only results.
 * `CLONEWARDEN_LOG_LEVEL` (default `warn`) sets how much is said.
 */
export function createStderrLog(level: string = process.env.CLONEWARDEN_LOG_LEVEL ?? 'warn'): EnforcerLog {
  const threshold = LEVELS.indexOf((LEVELS as readonly string[]).includes(level) ? (level as Level) : 'warn');
  const write =
    (at: Level) =>
    (message: string, ...extra: LogFields[]) => {
      if (LEVELS.indexOf(at) < threshold) return;
      const fields = Object.assign({}, ...extra);
      const detail = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      process.stderr.write(`clonewarden ${at}: ${message}${detail}\n`);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** Counts metrics in memory; the replay summary reports them. */
export class TallyMetrics implements EnforcerMetrics {
  readonly counts: Record<string, number> = {};

  count(name: string, value = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + value;
  }
}

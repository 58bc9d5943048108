import type { EnforcerLog, EnforcerMetrics, LogFields } from '../model/log.js';
import { LOG_LEVELS, type LogLevel } from '../settings/environment.js';

/**
 * The CLI's logger: one line per entry on stderr, so that stdout carries only results.
 * `level` (the settings' `CLONEWARDEN_LOG_LEVEL`, default `warn`) sets how much is said.
 */
export function createStderrLog(level: LogLevel = 'warn'): EnforcerLog {
  const threshold = LOG_LEVELS.indexOf(level);
  const write =
    (at: LogLevel) =>
    (message: string, ...extra: LogFields[]) => {
      if (LOG_LEVELS.indexOf(at) < threshold) return;
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

/**
 * The logging surface the core needs. Powertools' `Logger` satisfies it in Lambda; the CLI
 * passes a logger that writes to stderr, so that `--json` output on stdout stays clean.
 */
export interface EnforcerLog {
  debug(message: string, ...extra: LogFields[]): void;
  info(message: string, ...extra: LogFields[]): void;
  warn(message: string, ...extra: LogFields[]): void;
  error(message: string, ...extra: LogFields[]): void;
}

/** Structured fields of a log line (Powertools' `LogAttributes`). */
export type LogFields = { [key: string]: unknown };

/** Counts what happened, by metric name. Powertools Metrics in Lambda; a tally in the CLI. */
export interface EnforcerMetrics {
  count(name: string, value?: number): void;
}

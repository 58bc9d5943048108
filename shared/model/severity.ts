/** How bad a violation is, in rising order: a policy's `severity:` and `alerts.minSeverity`. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/** The most severe of the violations' severities, or `undefined` when there are none. */
export function highestSeverity(violations: readonly { severity: Severity }[]): Severity | undefined {
  let highest: Severity | undefined;
  for (const { severity } of violations) {
    if (!isSeverity(severity)) continue;
    if (highest === undefined || SEVERITY_RANK[severity] > SEVERITY_RANK[highest]) highest = severity;
  }
  return highest;
}

/**
 * Whether `severity` is at least `min` (low < medium < high < critical). No severity never meets it.
 *
 * @example
 * if (meetsMinSeverity(highestSeverity(verdict.violations), policy.alerts.minSeverity)) publish(…);
 */
export function meetsMinSeverity(severity: Severity | undefined, min: Severity): boolean {
  if (!isSeverity(severity) || !isSeverity(min)) return false;
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[min];
}

function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

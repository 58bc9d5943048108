import type { CloneFlag, CloneStatus } from './audit-report-schema.js';

/**
 * How each status looks: a colour for the eye and a symbol and word that still read in grey or
 * for a colour-blind reader. Shared by the SVG trees and the page, so that they agree.
 */
export const STATUS_STYLE: Record<
  CloneStatus,
  { symbol: string; label: string; fill: string; line: string }
> = {
  quarantined: { symbol: '⊘', label: 'quarantined', fill: '#ffd8d3', line: '#a40e26' },
  violation: { symbol: '✗', label: 'violation', fill: '#ffe7c2', line: '#9a4d00' },
  unevaluated: { symbol: '?', label: 'unevaluated', fill: '#eef1f4', line: '#57606a' },
  exempt: { symbol: '◇', label: 'exempt', fill: '#dcecff', line: '#0a4fa8' },
  compliant: { symbol: '✓', label: 'compliant', fill: '#d7f5dd', line: '#116329' },
};

/** Short words for the flags, in the order a reviewer cares about them. */
export const FLAG_LABEL: Record<CloneFlag, string> = {
  quarantined: 'QUARANTINED',
  'public-share': 'PUBLIC',
  'foreign-share': 'FOREIGN SHARE',
  'over-depth': 'OVER-DEPTH',
  stale: 'STALE',
  unlabelled: 'UNLABELLED',
};

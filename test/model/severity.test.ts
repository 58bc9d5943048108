import { describe, expect, it } from 'vitest';
import { highestSeverity, meetsMinSeverity, type Severity } from '../../shared/model/severity.js';

describe('Severity: highestSeverity and meetsMinSeverity', () => {
  it.each([
    { severities: [], expected: undefined },
    { severities: ['low'], expected: 'low' },
    { severities: ['medium', 'critical', 'high'], expected: 'critical' },
    { severities: ['high', 'bogus', 'low'], expected: 'high' },
  ] as { severities: Severity[]; expected: Severity | undefined }[])(
    'finds $expected in $severities',
    ({ severities, expected }) => {
      // Act
      const highest = highestSeverity(severities.map((severity) => ({ severity })));

      // Assess
      expect(highest).toBe(expected);
    },
  );

  it.each([
    { severity: 'low', min: 'low', expected: true },
    { severity: 'low', min: 'medium', expected: false },
    { severity: 'high', min: 'medium', expected: true },
    { severity: 'critical', min: 'critical', expected: true },
    { severity: 'medium', min: 'critical', expected: false },
    { severity: undefined, min: 'low', expected: false },
  ] as { severity: Severity | undefined; min: Severity; expected: boolean }[])(
    '$severity meets $min: $expected',
    ({ severity, min, expected }) => {
      // Act
      const meets = meetsMinSeverity(severity, min);

      // Assess
      expect(meets).toBe(expected);
    },
  );
});

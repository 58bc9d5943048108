import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Writes one run's test counts, `{"passed":N,"failed":N,"skipped":N}`, to the file named by
 * CLONEWARDEN_TEST_TOTALS, and prints nothing: `scripts/test-all.sh` adds the files up for its
 * last line. (Vitest's JSON reporter would do it too, but announces the path of its report.)
 */
export default class TotalsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const file = process.env.CLONEWARDEN_TEST_TOTALS;
    if (!file) return;
    const totals = { passed: 0, failed: 0, skipped: 0 };
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') totals.passed++;
        else if (state === 'failed') totals.failed++;
        else totals.skipped++;
      }
    }
    writeFileSync(file, JSON.stringify(totals));
  }
}

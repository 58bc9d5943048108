import type { TestProject } from 'vitest/node';
import { startEmulator } from '../../scripts/lib/emulator.js';

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
  }
}

/**
 * One moto server for the whole integration run, started through the project's own script
 * (which installs the pinned virtualenv when it is missing, and fails with the exact package
 * to install when python3 or its venv module is absent: the tests are never skipped).
 * Test files isolate themselves by working in a region of their own.
 */
export default async function setup(project: TestProject) {
  const emulator = await startEmulator('tests');
  project.provide('awsEndpoint', emulator.endpoint);
  return async () => {
    await emulator.stop();
  };
}

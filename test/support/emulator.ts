import { inject } from 'vitest';
import { useEmulator } from '../../scripts/lib/emulator.js';

/**
 * Points this test file's SDK clients at the shared moto server, in a region of its own:
 * moto keeps EC2 state per region, so files cannot see each other's resources.
 */
export function useEmulatorRegion(region: string): string {
  const endpoint = inject('awsEndpoint');
  useEmulator(endpoint, region);
  return endpoint;
}

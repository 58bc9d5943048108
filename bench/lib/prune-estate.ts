/**
 * The estate the prune-scale benchmark measures, shared by the moto seeding and the paginated
 * fake EC2 endpoint (bench/lib/fake-ec2-endpoint.ts) so that both modes judge the same mix.
 */

/** An expiry date well in the past. */
const PAST = '2020-01-01';

/**
 * The tags of the i-th clone: the mix a real estate has, by share of the whole. Few tags each:
 * moto looks up a resource's tags by scanning every tag in the region (TagBackend.describe_tags),
 * so its cost grows with the square of the tags; fewer tags keep the emulator's share down.
 */
export function mixFor(index: number): Record<string, string> {
  const bucket = index % 20;
  const verdict = { 'clonewarden:status': 'compliant' };
  if (bucket < 2) return { ...verdict, Expiry: PAST }; // 10% expired: marked
  if (bucket === 2) return { ...verdict, Expiry: PAST, 'clonewarden:prune-after': '2020-01-08' }; // 5% due
  if (bucket === 3) return { ...verdict, Expiry: PAST, 'dlm:managed': 'true' }; // 5% DLM: protected
  if (bucket === 4) return {}; // 5% never got a verdict: reconciled
  return verdict;
}

/** Of the images (by index), those some instance was launched from: 1%, half of them stopped. */
export const isUsedByInstance = (imageIndex: number) => imageIndex % 100 === 20;
/** Of the images (by index), those a launch template names: 1%. */
export const isInLaunchTemplate = (imageIndex: number) => imageIndex % 100 === 21;
/** Blank volumes the standalone snapshots are taken from, round robin. */
export const VOLUMES = 8;

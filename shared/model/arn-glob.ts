/**
 * Compiles an ARN glob into a matcher: `*` matches any run of characters (`/` and `:` included),
 * `?` exactly one, everything else is literal. Anchored and case-sensitive, like IAM ARNs.
 * A `*` or `?` inside the ARN being tested is just text.
 *
 * Matching walks the pattern and the ARN once, backtracking only to the last `*`, so it takes at
 * most O(pattern × arn) steps. A regex of `.*` groups can take exponential time on a pattern such
 * as `*a*a*a*a*b`, and policy globs and ARNs are both input here.
 *
 * @example
 * compileArnGlob('arn:aws:iam::*:role/Platform*')('arn:aws:iam::111122223333:role/PlatformAdmin'); // true
 */
export function compileArnGlob(pattern: string): (arn: string) => boolean {
  // Code points, so that `?` matches one character even outside the BMP.
  const glob = Array.from(pattern);
  return function matchesArnGlob(arn: string): boolean {
    return globMatches(glob, Array.from(arn));
  };
}

function globMatches(glob: readonly string[], text: readonly string[]): boolean {
  let g = 0;
  let t = 0;
  // Where the last `*` was seen, and the text position it currently stands in for.
  let starAt = -1;
  let starText = 0;
  while (t < text.length) {
    const token = glob[g];
    if (token === '*') {
      starAt = g;
      starText = t;
      g += 1;
    } else if (token !== undefined && (token === '?' || token === text[t])) {
      g += 1;
      t += 1;
    } else if (starAt >= 0) {
      // Let the last `*` swallow one more character and retry from just after it.
      g = starAt + 1;
      starText += 1;
      t = starText;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g += 1;
  return g === glob.length;
}

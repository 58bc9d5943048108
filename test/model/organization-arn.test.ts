import { describe, expect, it } from 'vitest';
import { organizationIdOf } from '../../shared/model/organization-arn.js';

describe('Model: organization ARNs', () => {
  it('reads the organization id from an organization or OU ARN', () => {
    expect(organizationIdOf('arn:aws:organizations::111122223333:organization/o-abcdef1234')).toBe(
      'o-abcdef1234',
    );
    expect(organizationIdOf('arn:aws:organizations::111122223333:ou/o-abcdef1234/ou-ab12-cdef3456')).toBe(
      'o-abcdef1234',
    );
  });

  it('gives nothing for an ARN of something else, or an id too short to be an organization', () => {
    expect(
      organizationIdOf('arn:aws:organizations::111122223333:account/o-abcdef1234/111122223333'),
    ).toBeUndefined();
    expect(organizationIdOf('arn:aws:organizations::111122223333:organization/o-abc')).toBeUndefined();
    expect(organizationIdOf('o-abcdef1234')).toBeUndefined();
  });
});

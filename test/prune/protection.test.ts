import { describe, expect, it } from 'vitest';
import { awsServiceOwner, describedImageId, isPruneTag } from '../../shared/model/clone-record.js';
import { protectionOf } from '../../shared/prune/protection.js';
import { anImage, anIndex, aSnapshot } from './clone-records.js';

const IMAGE = 'ami-0aaaaaaaaaaaaaaa1';
const SNAPSHOT = 'snap-0ccccccccccccccc1';

describe('Prune: protection', () => {
  it.each([
    { case: 'an unused image', record: anImage(), index: anIndex(), expected: {} },
    {
      case: 'an image a stopped or running instance uses',
      record: anImage(),
      index: anIndex({ imagesUsedByInstances: new Set([IMAGE]) }),
      expected: { protection: 'in-use-by-instance' },
    },
    {
      case: 'an image DescribeImageReferences names',
      record: anImage(),
      index: anIndex({
        references: new Map([
          [
            IMAGE,
            [{ resourceType: 'ec2:LaunchTemplate', arn: 'arn:aws:ec2:eu-west-3:1:launch-template/lt-1' }],
          ],
        ]),
      }),
      expected: {
        protection: 'referenced',
        detail: 'ec2:LaunchTemplate arn:aws:ec2:eu-west-3:1:launch-template/lt-1',
      },
    },
    {
      case: 'an image a launch template version names (scan)',
      record: anImage(),
      index: anIndex({ launchTemplateImages: new Set([IMAGE]) }),
      expected: { protection: 'in-launch-template' },
    },
    {
      case: 'any image while a template names an SSM parameter (scan)',
      record: anImage(),
      index: anIndex({ launchTemplateImages: new Set(), unresolvedTemplateImages: 2 }),
      expected: {
        hold: 'unresolved-launch-templates',
        detail: '2 launch template version(s) name an image through an SSM parameter',
      },
    },
    {
      case: 'an image with SSM templates when DescribeImageReferences answered (it covers SSM parameters)',
      record: anImage(),
      index: anIndex({ references: new Map(), unresolvedTemplateImages: 2 }),
      expected: {},
    },
    {
      case: 'a snapshot behind a registered image',
      record: aSnapshot(),
      index: anIndex({ backingSnapshots: new Set([SNAPSHOT]) }),
      expected: { protection: 'backs-image' },
    },
    {
      case: 'a snapshot whose description names a registered image',
      record: aSnapshot({ describedImageId: IMAGE }),
      index: anIndex({ registeredImages: new Set([IMAGE]) }),
      expected: { protection: 'backs-image', detail: IMAGE },
    },
    {
      case: 'an orphan: its image is gone',
      record: aSnapshot({ describedImageId: IMAGE }),
      index: anIndex(),
      expected: {},
    },
    {
      case: 'an AWS Backup recovery point',
      record: aSnapshot({ managedBy: 'aws-backup' }),
      index: anIndex(),
      expected: { protection: 'aws-backup' },
    },
    {
      case: 'a DLM image, even if unused',
      record: anImage({ managedBy: 'aws-dlm' }),
      index: anIndex(),
      expected: { protection: 'aws-dlm' },
    },
    {
      case: 'a clone the policy exempts',
      record: aSnapshot(),
      index: anIndex({ exemptIds: new Set([SNAPSHOT]) }),
      expected: { protection: 'policy-exemption' },
    },
    {
      case: 'a pending snapshot',
      record: aSnapshot({ state: 'pending' }),
      index: anIndex(),
      expected: { hold: 'not-ready', detail: 'state pending' },
    },
    {
      case: 'a disabled (quarantined) image',
      record: anImage({ state: 'disabled' }),
      index: anIndex(),
      expected: {},
    },
  ])('gives $expected for $case', ({ record, index, expected }) => {
    // Act
    const outcome = protectionOf(record, index);

    // Assess
    expect(outcome).toEqual(expected);
  });
});

describe('Prune: AWS ownership and image disks', () => {
  it.each([
    {
      tags: { 'aws:backup:source-resource': 'arn:aws:ec2:…:volume/vol-1' },
      description: '',
      expected: 'aws-backup',
    },
    { tags: {}, description: 'Created by AWS Backup job 1234', expected: 'aws-backup' },
    { tags: {}, description: 'This snapshot is created by the AWS Backup service.', expected: 'aws-backup' },
    { tags: { 'aws:dlm:lifecycle-policy-id': 'policy-0123' }, description: '', expected: 'aws-dlm' },
    { tags: { 'dlm:managed': 'true' }, description: '', expected: 'aws-dlm' },
    { tags: {}, description: 'Created for policy: policy-0123 schedule: Daily', expected: 'aws-dlm' },
    { tags: { Owner: 'jane' }, description: 'nightly backup by cron', expected: undefined },
  ])('reads $expected from $tags / "$description"', ({ tags, description, expected }) => {
    // Act
    const owner = awsServiceOwner(tags as Record<string, string>, description);

    // Assess
    expect(owner).toBe(expected);
  });

  it.each([
    {
      description:
        'Created by CreateImage(i-0123456789abcdef0) for ami-0123456789abcdef0 from vol-0123456789abcdef0',
      expected: 'ami-0123456789abcdef0',
    },
    {
      description:
        'Copied for DestinationAmi ami-0fedcba9876543210 from SourceAmi ami-0123456789abcdef0 for SourceSnapshot snap-0123456789abcdef0',
      expected: 'ami-0fedcba9876543210',
    },
    { description: 'Auto-created snapshot for AMI ami-f60dd218e30ffd240', expected: 'ami-f60dd218e30ffd240' },
    { description: 'my copy for ami-0123456789abcdef0', expected: undefined },
    { description: undefined, expected: undefined },
  ])('finds the image of "$description"', ({ description, expected }) => {
    // Act
    const imageId = describedImageId(description);

    // Assess
    expect(imageId).toBe(expected);
  });

  it('keeps only the tags prune reads', () => {
    // Act
    const kept = [
      'Expiry',
      'clonewarden:status',
      'aws:backup:source-resource',
      'dlm:managed',
      'Owner',
      'Name',
    ].filter((key) => isPruneTag(key, 'Expiry'));

    // Assess
    expect(kept).toEqual(['Expiry', 'clonewarden:status', 'aws:backup:source-resource', 'dlm:managed']);
  });
});

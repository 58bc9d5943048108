/**
 * A paginated fake of the EC2 Query API on 127.0.0.1, for benchmarks only: just the reads a
 * prune dry run and an audit make, answered in EC2's XML from in-memory arrays, with real pagination
 * (MaxResults / NextToken, within each API's limits) and O(page) work per call, since every
 * resource's XML item is rendered once when the estate is built.
 *
 * It exists to separate clonewarden's own scaling from the emulator's: moto scans every tag in
 * the region for each resource it lists and ignores MaxResults, so its time grows with the
 * square of the estate. Anything this fake does not implement is answered with EC2's
 * `InvalidAction` error, as AWS does, so a new call in the dry run shows up as a failure.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isInLaunchTemplate, isUsedByInstance, mixFor, VOLUMES } from './prune-estate.js';

/** The account the fake endpoint answers as (the audit bench reads the estate as this account). */
export const FAKE_ACCOUNT = '123456789012';
const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export interface FakeEstateOptions {
  /** Snapshots in all, image disks included (as in moto, each image has one disk). */
  snapshots: number;
  region?: string;
  /** Creation time of every clone; defaults to now. */
  createdAt?: Date;
  /**
   * An organization: every account and region its own estate of `snapshots` (built on first
   * request), told apart by the request's signing credentials; STS AssumeRole is answered too,
   * with credentials that name the role's account. The hub's own credentials are FAKE_ACCOUNT's.
   */
  perAccount?: boolean;
}

export interface FakeEc2Endpoint {
  endpoint: string;
  region: string;
  /** What the fake holds (per account and region, when `perAccount`). */
  estate: { images: number; snapshots: number; instances: number; launchTemplates: number };
  /** Requests answered per account (`perAccount` only; EC2 and STS). */
  requestsByAccount(): Record<string, number>;
  /** Requests answered, by action (server side: every page and every retry counts). */
  requests(): Record<string, number>;
  /** Seconds the server spent building responses, summed: its share of the wall time. */
  busySeconds(): number;
  /** The clones that carry a `clonewarden:` verdict, as an existing install's ledger would take them in. */
  taggedClones(): TaggedCloneSeed[];
  close(): Promise<void>;
}

type Params = URLSearchParams;

/** A clone with `clonewarden:` tags: what the ledger bench seeds an item for. */
export interface TaggedCloneSeed {
  kind: 'image' | 'snapshot';
  id: string;
  tags: Record<string, string>;
  backingSnapshotIds: string[];
}

class Ec2Fault extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const escapeXml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
const el = (name: string, value: string | number | boolean) =>
  `<${name}>${typeof value === 'string' ? escapeXml(value) : String(value)}</${name}>`;
const tagSet = (tags: Record<string, string>) =>
  `<tagSet>${Object.entries(tags)
    .map(([key, value]) => `<item>${el('key', key)}${el('value', value)}</item>`)
    .join('')}</tagSet>`;

const hexId = (prefix: string, kind: number, index: number) =>
  `${prefix}-${kind.toString(16)}${index.toString(16).padStart(16, '0')}`;

interface Listed {
  id: string;
  xml: string;
}

interface Instance extends Listed {
  imageId: string;
  state: 'running' | 'stopped';
}

interface Estate {
  snapshots: Listed[];
  snapshotById: Map<string, Listed>;
  images: Listed[];
  imageById: Map<string, Listed>;
  instances: Instance[];
  instanceById: Map<string, Instance>;
  volumes: Map<string, Listed>;
  templates: { id: string; name: string; imageId: string }[];
  /** Image id → what references it (live instances, launch templates), as DescribeImageReferences answers. */
  references: Map<string, { resourceType: string; arn: string }[]>;
  tagged: TaggedCloneSeed[];
}

/**
 * Builds the estate prune-scale seeds into moto: a base image and its snapshot, a builder
 * instance, images at 1:5 (each with one disk, made from the builder), 1% of them used by
 * instances (half stopped) and 1% named by launch templates, and the rest standalone
 * snapshots of eight blank volumes, all tagged by `mixFor`.
 */
function buildEstate(total: number, region: string, created: Date): Estate {
  const createdAt = created.toISOString();
  const imageCount = total / 5;
  const standalone = total - imageCount - 1;
  const estate: Estate = {
    snapshots: [],
    snapshotById: new Map(),
    images: [],
    imageById: new Map(),
    instances: [],
    instanceById: new Map(),
    volumes: new Map(),
    templates: [],
    references: new Map(),
    tagged: [],
  };
  const remember = (
    kind: TaggedCloneSeed['kind'],
    id: string,
    tags: Record<string, string>,
    disks: string[],
  ) => {
    if (Object.keys(tags).some((key) => key.startsWith('clonewarden:')))
      estate.tagged.push({ kind, id, tags, backingSnapshotIds: disks });
  };
  const volumeIds = Array.from({ length: VOLUMES }, (_, i) => hexId('vol', 1, i));
  const volumeXml = (id: string, snapshotId: string, size: number, attachedTo?: string) =>
    `<item>${el('volumeId', id)}${el('size', size)}${el('snapshotId', snapshotId)}${el('availabilityZone', `${region}a`)}${el('status', attachedTo ? 'in-use' : 'available')}${el('createTime', createdAt)}<attachmentSet>${
      attachedTo
        ? `<item>${el('volumeId', id)}${el('instanceId', attachedTo)}${el('device', '/dev/xvda')}${el('status', 'attached')}${el('attachTime', createdAt)}${el('deleteOnTermination', true)}</item>`
        : ''
    }</attachmentSet>${el('volumeType', 'gp3')}${el('encrypted', false)}${el('multiAttachEnabled', false)}</item>`;
  for (const id of volumeIds) estate.volumes.set(id, { id, xml: volumeXml(id, '', 20) });

  const addSnapshot = (id: string, volumeId: string, size: number, description: string, tags = {}) => {
    const xml = `<item>${el('snapshotId', id)}${el('volumeId', volumeId)}${el('status', 'completed')}${el('startTime', createdAt)}${el('progress', '100%')}${el('ownerId', FAKE_ACCOUNT)}${el('volumeSize', size)}${el('description', description)}${el('encrypted', false)}${el('storageTier', 'standard')}${tagSet(tags)}</item>`;
    const snapshot = { id, xml };
    estate.snapshots.push(snapshot);
    estate.snapshotById.set(id, snapshot);
  };
  const addImage = (
    id: string,
    name: string,
    snapshotId: string,
    tags: Record<string, string>,
    sourceInstanceId?: string,
  ) => {
    const xml = `<item>${el('imageId', id)}${el('imageLocation', `${FAKE_ACCOUNT}/${name}`)}${el('imageState', 'available')}${el('imageOwnerId', FAKE_ACCOUNT)}${el('creationDate', createdAt)}${el('isPublic', false)}${el('architecture', 'x86_64')}${el('imageType', 'machine')}${el('name', name)}${el('rootDeviceType', 'ebs')}${el('rootDeviceName', '/dev/xvda')}<blockDeviceMapping><item>${el('deviceName', '/dev/xvda')}<ebs>${el('snapshotId', snapshotId)}${el('volumeSize', 15)}${el('deleteOnTermination', true)}${el('volumeType', 'standard')}${el('encrypted', false)}</ebs></item></blockDeviceMapping>${el('virtualizationType', 'hvm')}${el('hypervisor', 'xen')}${sourceInstanceId ? el('sourceInstanceId', sourceInstanceId) : ''}${tagSet(tags)}</item>`;
    const image = { id, xml };
    estate.images.push(image);
    estate.imageById.set(id, image);
  };
  const addInstance = (id: string, imageId: string, state: 'running' | 'stopped') => {
    const volumeId = hexId('vol', 2, estate.instances.length);
    estate.volumes.set(volumeId, { id: volumeId, xml: volumeXml(volumeId, '', 8, id) });
    const code = state === 'running' ? 16 : 80;
    const xml = `<item>${el('instanceId', id)}${el('imageId', imageId)}<instanceState>${el('code', code)}${el('name', state)}</instanceState>${el('privateDnsName', '')}${el('instanceType', 't3.micro')}${el('launchTime', createdAt)}<placement>${el('availabilityZone', `${region}a`)}</placement>${el('rootDeviceType', 'ebs')}${el('rootDeviceName', '/dev/xvda')}<blockDeviceMapping><item>${el('deviceName', '/dev/xvda')}<ebs>${el('volumeId', volumeId)}${el('status', 'attached')}${el('attachTime', createdAt)}${el('deleteOnTermination', true)}</ebs></item></blockDeviceMapping>${el('architecture', 'x86_64')}<tagSet/></item>`;
    const instance = { id, xml, imageId, state };
    estate.instances.push(instance);
    estate.instanceById.set(id, instance);
    const list = estate.references.get(imageId) ?? [];
    list.push({ resourceType: 'ec2:Instance', arn: `arn:aws:ec2:${region}:${FAKE_ACCOUNT}:instance/${id}` });
    estate.references.set(imageId, list);
  };

  const baseSnapshot = hexId('snap', 1, 0);
  const baseImage = hexId('ami', 1, 0);
  addSnapshot(baseSnapshot, volumeIds[0]!, 20, '');
  addImage(baseImage, 'bench-base', baseSnapshot, {});
  const builder = hexId('i', 1, 0);
  addInstance(builder, baseImage, 'running');
  const builderVolume = hexId('vol', 2, 0);

  let used = 0;
  for (let i = 0; i < imageCount; i++) {
    const imageId = hexId('ami', 2, i);
    const diskId = hexId('snap', 2, i);
    addSnapshot(diskId, builderVolume, 15, `Created by CreateImage(${builder}) for ${imageId}`);
    addImage(imageId, `bench-image-${i}`, diskId, mixFor(i), builder);
    remember('image', imageId, mixFor(i), [diskId]);
    if (isUsedByInstance(i)) {
      addInstance(hexId('i', 2, i), imageId, used % 2 === 0 ? 'stopped' : 'running');
      used++;
    }
    if (isInLaunchTemplate(i)) {
      const id = hexId('lt', 2, estate.templates.length);
      estate.templates.push({ id, name: `bench-template-${estate.templates.length}`, imageId });
      const list = estate.references.get(imageId) ?? [];
      list.push({
        resourceType: 'ec2:LaunchTemplate',
        arn: `arn:aws:ec2:${region}:${FAKE_ACCOUNT}:launch-template/${id}`,
      });
      estate.references.set(imageId, list);
    }
  }
  for (let i = 0; i < standalone; i++) {
    addSnapshot(hexId('snap', 3, i), volumeIds[i % VOLUMES]!, 20, '', mixFor(i));
    remember('snapshot', hexId('snap', 3, i), mixFor(i), []);
  }
  return estate;
}

/** `Name.1`, `Name.2`, … */
function list(params: Params, name: string): string[] {
  const values: string[] = [];
  for (let n = 1; params.has(`${name}.${n}`); n++) values.push(params.get(`${name}.${n}`)!);
  return values;
}

function filters(params: Params): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (let n = 1; params.has(`Filter.${n}.Name`); n++) {
    result.set(params.get(`Filter.${n}.Name`)!, list(params, `Filter.${n}.Value`));
  }
  return result;
}

/** One page of `items`, as EC2 pages: `MaxResults` within [min, max], an opaque `NextToken`. */
function page<T>(
  params: Params,
  items: T[],
  limits: { min: number; max: number },
  action: string,
): { items: T[]; nextToken?: string } {
  const raw = params.get('MaxResults');
  const token = params.get('NextToken');
  let start = 0;
  if (token) {
    const match = /^(\w+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
    if (!match || match[1] !== action || Number(match[2]) > items.length)
      throw new Ec2Fault('InvalidNextToken', 'The specified token is invalid.');
    start = Number(match[2]);
  }
  if (raw === null) return { items: start === 0 ? items : items.slice(start) };
  const max = Number(raw);
  if (!Number.isInteger(max) || max < limits.min || max > limits.max) {
    throw new Ec2Fault(
      'InvalidParameterValue',
      `Value ( ${raw} ) for parameter maxResults is invalid. Expecting a value between ${limits.min} and ${limits.max}.`,
    );
  }
  const end = Math.min(items.length, start + max);
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { nextToken: Buffer.from(`${action}:${end}`).toString('base64url') } : {}),
  };
}

/** By id, in the order asked; an unknown id fails the whole call, as EC2 does. */
function byIds<T>(ids: string[], index: Map<string, T>, notFound: string, what: string): T[] {
  return ids.map((id) => {
    const found = index.get(id);
    if (!found) throw new Ec2Fault(notFound, `The ${what} '${id}' does not exist`);
    return found;
  });
}

const rejectIdsWithPaging = (params: Params, ids: string[], what: string) => {
  if (ids.length > 0 && params.has('MaxResults'))
    throw new Ec2Fault(
      'InvalidParameterCombination',
      `The parameter ${what}s cannot be used with the parameter maxResults`,
    );
};

type Handler = (params: Params, estate: Estate, region: string) => string;

const nextTokenXml = (token: string | undefined) => (token ? el('nextToken', token) : '');

/**
 * Share look-ups (the audit's): every 50th clone is shared with a foreign account, so the
 * report has foreign shares to find; nothing is public.
 */
const FOREIGN_ACCOUNT = '999988887777';
const sharedWithForeign = (id: string) => Number.parseInt(id.slice(-4), 16) % 50 === 7;
const permissionXml = (id: string) =>
  sharedWithForeign(id) ? `<item>${el('userId', FOREIGN_ACCOUNT)}</item>` : '';

const HANDLERS: Record<string, Handler> = {
  DescribeImageAttribute(params, estate) {
    const id = params.get('ImageId') ?? '';
    byIds([id], estate.imageById, 'InvalidAMIID.NotFound', 'image id');
    if (params.get('Attribute') !== 'launchPermission')
      throw new Ec2Fault('InvalidParameterValue', 'Only launchPermission is implemented by this fake');
    return `${el('imageId', id)}<launchPermission>${permissionXml(id)}</launchPermission>`;
  },
  DescribeSnapshotAttribute(params, estate) {
    const id = params.get('SnapshotId') ?? '';
    byIds([id], estate.snapshotById, 'InvalidSnapshot.NotFound', 'snapshot');
    if (params.get('Attribute') !== 'createVolumePermission')
      throw new Ec2Fault('InvalidParameterValue', 'Only createVolumePermission is implemented by this fake');
    return `${el('snapshotId', id)}<createVolumePermission>${permissionXml(id)}</createVolumePermission>`;
  },
  DescribeSnapshots(params, estate) {
    const ids = list(params, 'SnapshotId');
    rejectIdsWithPaging(params, ids, 'snapshotId');
    const owners = list(params, 'Owner');
    if (owners.some((owner) => owner !== 'self' && owner !== FAKE_ACCOUNT)) return '<snapshotSet/>'; // nobody else shares snapshots with this account
    const chosen =
      ids.length > 0
        ? byIds(ids, estate.snapshotById, 'InvalidSnapshot.NotFound', 'snapshot')
        : estate.snapshots;
    const { items, nextToken } = page(params, chosen, { min: 5, max: 1000 }, 'DescribeSnapshots');
    return `<snapshotSet>${items.map((s) => s.xml).join('')}</snapshotSet>${nextTokenXml(nextToken)}`;
  },
  DescribeImages(params, estate) {
    const ids = list(params, 'ImageId');
    rejectIdsWithPaging(params, ids, 'imageId');
    const owners = list(params, 'Owner');
    if (owners.length > 0 && !owners.some((owner) => owner === 'self' || owner === FAKE_ACCOUNT))
      return '<imagesSet/>';
    const chosen =
      ids.length > 0 ? byIds(ids, estate.imageById, 'InvalidAMIID.NotFound', 'image id') : estate.images;
    const { items, nextToken } = page(params, chosen, { min: 1, max: 1000 }, 'DescribeImages');
    return `<imagesSet>${items.map((i) => i.xml).join('')}</imagesSet>${nextTokenXml(nextToken)}`;
  },
  DescribeInstances(params, estate) {
    const ids = list(params, 'InstanceId');
    rejectIdsWithPaging(params, ids, 'instanceId');
    let chosen =
      ids.length > 0
        ? byIds(ids, estate.instanceById, 'InvalidInstanceID.NotFound', 'instance ID')
        : estate.instances;
    for (const [name, values] of filters(params)) {
      if (name === 'instance-state-name') chosen = chosen.filter((i) => values.includes(i.state));
      else if (name === 'image-id') chosen = chosen.filter((i) => values.includes(i.imageId));
      else throw new Ec2Fault('InvalidParameterValue', `The filter '${name}' is invalid`);
    }
    const { items, nextToken } = page(params, chosen, { min: 5, max: 1000 }, 'DescribeInstances');
    // One reservation per instance, as RunInstances with MinCount=MaxCount=1 makes them.
    const reservations = items
      .map(
        (i) =>
          `<item>${el('reservationId', i.id.replace(/^i-/, 'r-'))}${el('ownerId', FAKE_ACCOUNT)}<groupSet/><instancesSet>${i.xml}</instancesSet></item>`,
      )
      .join('');
    return `<reservationSet>${reservations}</reservationSet>${nextTokenXml(nextToken)}`;
  },
  DescribeInstanceStatus(params, estate, region) {
    const ids = list(params, 'InstanceId');
    const includeAll = params.get('IncludeAllInstances') === 'true';
    let chosen =
      ids.length > 0
        ? byIds(ids, estate.instanceById, 'InvalidInstanceID.NotFound', 'instance ID')
        : estate.instances;
    if (!includeAll) chosen = chosen.filter((i) => i.state === 'running');
    const { items, nextToken } = page(params, chosen, { min: 5, max: 1000 }, 'DescribeInstanceStatus');
    const check = (running: boolean) =>
      running
        ? `${el('status', 'ok')}<details><item>${el('name', 'reachability')}${el('status', 'passed')}</item></details>`
        : el('status', 'not-applicable');
    const statuses = items
      .map(
        (i) =>
          `<item>${el('instanceId', i.id)}${el('availabilityZone', `${region}a`)}<instanceState>${el('code', i.state === 'running' ? 16 : 80)}${el('name', i.state)}</instanceState><systemStatus>${check(i.state === 'running')}</systemStatus><instanceStatus>${check(i.state === 'running')}</instanceStatus></item>`,
      )
      .join('');
    return `<instanceStatusSet>${statuses}</instanceStatusSet>${nextTokenXml(nextToken)}`;
  },
  DescribeVolumes(params, estate) {
    const ids = list(params, 'VolumeId');
    rejectIdsWithPaging(params, ids, 'volumeId');
    const chosen =
      ids.length > 0
        ? byIds(ids, estate.volumes, 'InvalidVolume.NotFound', 'volume')
        : [...estate.volumes.values()];
    const { items, nextToken } = page(params, chosen, { min: 5, max: 500 }, 'DescribeVolumes');
    return `<volumeSet>${items.map((v) => v.xml).join('')}</volumeSet>${nextTokenXml(nextToken)}`;
  },
  DescribeVolumeStatus(params, estate, region) {
    const ids = list(params, 'VolumeId');
    const chosen =
      ids.length > 0
        ? byIds(ids, estate.volumes, 'InvalidVolume.NotFound', 'volume')
        : [...estate.volumes.values()];
    const { items, nextToken } = page(params, chosen, { min: 5, max: 1000 }, 'DescribeVolumeStatus');
    const statuses = items
      .map(
        (v) =>
          `<item>${el('volumeId', v.id)}${el('availabilityZone', `${region}a`)}<volumeStatus>${el('status', 'ok')}<details><item>${el('name', 'io-enabled')}${el('status', 'passed')}</item></details></volumeStatus><eventsSet/><actionsSet/></item>`,
      )
      .join('');
    return `<volumeStatusSet>${statuses}</volumeStatusSet>${nextTokenXml(nextToken)}`;
  },
  DescribeImageReferences(params, estate) {
    const ids = list(params, 'ImageId');
    if (ids.length === 0)
      throw new Ec2Fault('MissingParameter', 'The request must contain the parameter ImageId');
    const references = byIds(ids, estate.imageById, 'InvalidAMIID.NotFound', 'image id').flatMap((image) =>
      (estate.references.get(image.id) ?? []).map((reference) => ({ imageId: image.id, ...reference })),
    );
    const { items, nextToken } = page(params, references, { min: 5, max: 1000 }, 'DescribeImageReferences');
    const xml = items
      .map(
        (r) =>
          `<item>${el('imageId', r.imageId)}${el('resourceType', r.resourceType)}${el('arn', r.arn)}</item>`,
      )
      .join('');
    return `<imageReferenceSet>${xml}</imageReferenceSet>${nextTokenXml(nextToken)}`;
  },
  DescribeLaunchTemplates(params, estate) {
    const { items, nextToken } = page(
      params,
      estate.templates,
      { min: 1, max: 200 },
      'DescribeLaunchTemplates',
    );
    const xml = items
      .map(
        (t) =>
          `<item>${el('launchTemplateId', t.id)}${el('launchTemplateName', t.name)}${el('defaultVersionNumber', 1)}${el('latestVersionNumber', 1)}</item>`,
      )
      .join('');
    return `<launchTemplates>${xml}</launchTemplates>${nextTokenXml(nextToken)}`;
  },
  DescribeLaunchTemplateVersions(params, estate) {
    const id = params.get('LaunchTemplateId');
    const template = estate.templates.find((t) => t.id === id);
    if (!template)
      throw new Ec2Fault(
        'InvalidLaunchTemplateId.NotFound',
        `The specified launch template, with template ID ${id}, does not exist.`,
      );
    const { items, nextToken } = page(
      params,
      [template],
      { min: 1, max: 200 },
      'DescribeLaunchTemplateVersions',
    );
    const xml = items
      .map(
        (t) =>
          `<item>${el('launchTemplateId', t.id)}${el('launchTemplateName', t.name)}${el('versionNumber', 1)}${el('defaultVersion', true)}<launchTemplateData>${el('imageId', t.imageId)}</launchTemplateData></item>`,
      )
      .join('');
    return `<launchTemplateVersionSet>${xml}</launchTemplateVersionSet>${nextTokenXml(nextToken)}`;
  },
};

function errorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${el('Code', code)}${el('Message', message)}</Error></Errors>${el('RequestID', requestId)}</Response>`;
}

/** Member credentials name their account: `ASIA` + the 12 digits (see `assumeRoleXml`). */
const MEMBER_KEY = /^ASIA(\d{12})$/;

/** The account and region a request is signed for (SigV4 credential scope). */
function signedScope(request: IncomingMessage): { account: string; region?: string } {
  const scope = /Credential=([^/,]+)\/\d{8}\/([^/]+)\//.exec(String(request.headers.authorization ?? ''));
  const member = MEMBER_KEY.exec(scope?.[1] ?? '');
  return { account: member?.[1] ?? FAKE_ACCOUNT, ...(scope?.[2] ? { region: scope[2] } : {}) };
}

/** STS AssumeRole, answered with credentials whose key id names the role's account. */
function assumeRoleXml(params: Params, requestId: string): string {
  const roleArn = params.get('RoleArn') ?? '';
  const account = /^arn:aws:iam::(\d{12}):role\//.exec(roleArn)?.[1];
  if (!account) throw new Ec2Fault('ValidationError', `${roleArn} is not a role ARN`);
  const expiration = new Date(Date.now() + 3600_000).toISOString();
  const credentials = `${el('AccessKeyId', `ASIA${account}`)}${el('SecretAccessKey', 'fake')}${el('SessionToken', `session-${account}`)}${el('Expiration', expiration)}`;
  const user = `${el('AssumedRoleId', `AROAFAKE:${params.get('RoleSessionName') ?? ''}`)}${el('Arn', `arn:aws:sts::${account}:assumed-role/member/clonewarden`)}`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>${credentials}</Credentials><AssumedRoleUser>${user}</AssumedRoleUser></AssumeRoleResult><ResponseMetadata>${el('RequestId', requestId)}</ResponseMetadata></AssumeRoleResponse>`;
}

/** Starts the fake on a free loopback port, with an estate of `options.snapshots` snapshots. */
export async function startFakeEc2(options: FakeEstateOptions): Promise<FakeEc2Endpoint> {
  const homeRegion = options.region ?? 'us-east-1';
  const createdAt = options.createdAt ?? new Date();
  const estate = buildEstate(options.snapshots, homeRegion, createdAt);
  const estates = new Map<string, Estate>();
  /** The estate a request reads: the one estate, or its account and region's own. */
  const estateFor = (request: IncomingMessage): { estate: Estate; region: string } => {
    if (!options.perAccount) return { estate, region: homeRegion };
    const { account, region = homeRegion } = signedScope(request);
    byAccount[account] = (byAccount[account] ?? 0) + 1;
    const key = `${account}/${region}`;
    let own = estates.get(key);
    if (!own) {
      own = buildEstate(options.snapshots, region, createdAt);
      estates.set(key, own);
    }
    return { estate: own, region };
  };
  const counts: Record<string, number> = {};
  const byAccount: Record<string, number> = {};
  let busy = 0;

  const answer = (request: IncomingMessage, response: ServerResponse, body: string) => {
    const started = performance.now();
    const requestId = randomUUID();
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    counts[action] = (counts[action] ?? 0) + 1;
    let status = 200;
    let xml: string;
    try {
      if (request.method !== 'POST') throw new Ec2Fault('InvalidAction', 'Only POST is supported.');
      const handler = Object.hasOwn(HANDLERS, action) ? HANDLERS[action] : undefined;
      if (options.perAccount && action === 'AssumeRole') {
        xml = assumeRoleXml(params, requestId);
      } else {
        if (!handler)
          throw new Ec2Fault(
            'InvalidAction',
            `The action ${action || '(none)'} is not valid for this web service.`,
          );
        const target = estateFor(request);
        xml = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${XMLNS}">${el('requestId', requestId)}${handler(params, target.estate, target.region)}</${action}Response>`;
      }
    } catch (error) {
      status = 400;
      const fault = error instanceof Ec2Fault ? error : new Ec2Fault('InternalError', String(error));
      if (!(error instanceof Ec2Fault)) status = 500;
      xml = errorXml(fault.code, fault.message, requestId);
    }
    const payload = Buffer.from(xml);
    response.writeHead(status, {
      'content-type': 'text/xml;charset=UTF-8',
      'content-length': payload.length,
      'x-amzn-requestid': requestId,
    });
    response.end(payload);
    busy += performance.now() - started;
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => answer(request, response, Buffer.concat(chunks).toString()));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: homeRegion,
    estate: {
      images: estate.images.length,
      snapshots: estate.snapshots.length,
      instances: estate.instances.length,
      launchTemplates: estate.templates.length,
    },
    requests: () => ({ ...counts }),
    requestsByAccount: () => ({ ...byAccount }),
    busySeconds: () => Math.round(busy) / 1000,
    taggedClones: () => estate.tagged,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

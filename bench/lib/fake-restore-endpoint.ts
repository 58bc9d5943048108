/**
 * A fake of the EC2 Query API on 127.0.0.1, for the restore burst benchmark only: it answers
 * DescribeImages for any `ami-…` id with an image of another owner (an AWS image, as an Auto
 * Scaling group launches), and every other action (a DynamoDB call included, counted by its
 * `X-Amz-Target`) with an `InvalidAction` error, so that a call the restore path should not make
 * shows up as a failure, not as a silent cost.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The owner of the images the fake shows: Amazon's own AMI account. */
const FOREIGN_OWNER = '137112412989';
const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export interface FakeRestoreEndpoint {
  endpoint: string;
  /** Requests answered, by action. */
  requests(): Record<string, number>;
  close(): Promise<void>;
}

function describeImages(params: URLSearchParams): string {
  const ids = [...params.entries()].filter(([key]) => /^ImageId\.\d+$/.test(key)).map(([, id]) => id);
  const items = ids
    .filter((id) => /^ami-[0-9a-f]{8,17}$/.test(id))
    .map(
      (id) =>
        `<item><imageId>${id}</imageId><imageOwnerId>${FOREIGN_OWNER}</imageOwnerId><imageOwnerAlias>amazon</imageOwnerAlias><imageState>available</imageState><creationDate>2026-11-01T00:00:00.000Z</creationDate><isPublic>true</isPublic><name>al2023-ami-2023.6</name></item>`,
    )
    .join('');
  return `<imagesSet>${items}</imagesSet>`;
}

export async function startFakeRestoreEndpoint(): Promise<FakeRestoreEndpoint> {
  const counts: Record<string, number> = {};
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString());
      // A JSON-protocol call (DynamoDB: the idempotency store, the ledger) names itself in a header.
      const target = request.headers['x-amz-target'];
      const action = typeof target === 'string' ? target : (params.get('Action') ?? '');
      counts[action] = (counts[action] ?? 0) + 1;
      const requestId = randomUUID();
      const xml =
        action === 'DescribeImages'
          ? `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeImagesResponse xmlns="${XMLNS}"><requestId>${requestId}</requestId>${describeImages(params)}</DescribeImagesResponse>`
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidAction</Code><Message>The action ${action} is not valid for this web service.</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
      response.writeHead(action === 'DescribeImages' ? 200 : 400, {
        'content-type': 'text/xml;charset=UTF-8',
      });
      response.end(xml);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * Where the AWS conformance suites send their requests.
 *
 * By default each suite starts the local stand-in in-process on a free port. With
 * CONFORMANCE_TARGET=external the suites use the standard variables instead
 * (AWS_ENDPOINT_URL_SQS / _DYNAMODB / _S3, AWS_REGION and the usual credentials), so the same
 * assertions run against LocalStack or a real account. Checks that need the stand-in's own
 * controls (fault injection, request counts) run only locally.
 */

import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../localcloud/aws-local.js';
import { FaultController } from '../../localcloud/faults.js';
import type { RunningHttpService, StandInOptions } from '../../localcloud/http-service.js';

export type AwsService = 'sqs' | 'dynamodb' | 's3';

const ENDPOINT_VARIABLE: Record<AwsService, string> = {
  sqs: 'AWS_ENDPOINT_URL_SQS',
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  s3: 'AWS_ENDPOINT_URL_S3',
};

export interface AwsTarget {
  readonly endpoint: string;
  readonly region: string;
  /** Undefined when external: the SDK's default credential chain applies. */
  readonly credentials: typeof LOCAL_CREDENTIALS | undefined;
  /** The fault controller when the target is the local stand-in. */
  readonly faults: FaultController | undefined;
  readonly local: boolean;
  stop(): Promise<void>;
}

export const external = process.env.CONFORMANCE_TARGET === 'external';

export async function awsTarget(
  service: AwsService,
  start: (faults: FaultController, options: StandInOptions) => Promise<RunningHttpService>,
): Promise<AwsTarget> {
  if (external) {
    const variable = ENDPOINT_VARIABLE[service];
    const endpoint = process.env[variable];
    if (endpoint === undefined || endpoint === '') {
      throw new Error(`CONFORMANCE_TARGET=external needs ${variable}`);
    }
    return {
      endpoint,
      region: process.env.AWS_REGION ?? LOCAL_REGION,
      credentials: undefined,
      faults: undefined,
      local: false,
      stop: async () => {},
    };
  }
  const faults = new FaultController();
  const running = await start(faults, { port: 0 });
  return {
    endpoint: running.url,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    faults,
    local: true,
    stop: () => running.close(),
  };
}

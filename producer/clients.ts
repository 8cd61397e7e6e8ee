/**
 * SDK clients built from the standard variables of each SDK, read from the producer's environment
 * object (process.env in production) rather than behind its back, so a test can run a producer
 * against its own local stand-ins in-process.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { PubSub } from '@google-cloud/pubsub';
import type { Env } from './env.js';

export function sqsClient(env: Env): SQSClient {
  const endpoint = env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  return new SQSClient({
    ...(env.AWS_REGION === undefined ? {} : { region: env.AWS_REGION }),
    ...(endpoint === undefined || endpoint === '' ? {} : { endpoint }),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  });
}

export function pubsubClient(env: Env): PubSub {
  const projectId = env.GOOGLE_CLOUD_PROJECT ?? env.PUBSUB_PROJECT_ID;
  const emulator = env.PUBSUB_EMULATOR_HOST;
  return new PubSub({
    ...(projectId === undefined || projectId === '' ? {} : { projectId }),
    // An emulator speaks plain gRPC without credentials, as the client does when it finds the variable itself.
    ...(emulator === undefined || emulator === '' ? {} : { apiEndpoint: emulator, emulatorMode: true }),
  });
}

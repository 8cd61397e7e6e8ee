/**
 * Loads the .proto files that ship inside installed client packages, so the gRPC stand-ins speak
 * exactly the messages the official clients were built from, with no copies kept in this repo.
 *
 * Field casing: protobuf's binary encoding carries field numbers, never names, so the casing chosen
 * here only shapes the objects handlers see. Handlers get lowerCamelCase (`ackIds`,
 * `streamAckDeadlineSeconds`), the same shape the Google Node clients build their requests in,
 * with every absent field filled with its default, 64-bit integers as plain numbers (no Long
 * objects; every value a stand-in reads fits in 2^53), enums by name, bytes as Buffers, and a
 * virtual field naming the member set in each oneof (e.g. `wrapper: 'noWrapper'`).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type GrpcObject, loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

export const PROTO_OPTIONS: Options = Object.freeze({
  keepCase: false,
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
});

export type ProtoErrorCode = 'PACKAGE_NOT_FOUND' | 'PROTO_NOT_LOADED' | 'SERVICE_NOT_FOUND';

export class ProtoError extends Error {
  constructor(
    readonly code: ProtoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProtoError';
  }
}

/**
 * The directory an installed package lives in, found the way Node resolves it from `from` (a
 * directory; by default this one), so that a package nested under another resolves as that one
 * sees it.
 */
export function packageDir(name: string, from: string = import.meta.dirname): string {
  const require = createRequire(join(from, 'noop.js'));
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    // Packages with an `exports` map hide package.json; their entry point is inside the package.
  }
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch (err) {
    throw new ProtoError('PACKAGE_NOT_FOUND', `package ${name} is not installed: ${(err as Error).message}`);
  }
  const marker = join('node_modules', name);
  const at = entry.lastIndexOf(marker);
  if (at < 0)
    throw new ProtoError('PACKAGE_NOT_FOUND', `cannot tell where package ${name} starts in ${entry}`);
  return entry.slice(0, at + marker.length);
}

/** Google's common protos (google/api, google/protobuf, google/iam, …) as google-gax ships them. */
export function googleCommonProtosDir(from?: string): string {
  return join(packageDir('google-gax', from), 'build', 'protos');
}

const loaded = new Map<string, GrpcObject>();

/**
 * Loads one .proto file (and what it imports) from the include directories. Loading takes a
 * noticeable fraction of a second, so each file is loaded once per process.
 */
export function loadProto(file: string, includeDirs: readonly string[]): GrpcObject {
  const key = `${file}\n${includeDirs.join('\n')}`;
  let root = loaded.get(key);
  if (root === undefined) {
    try {
      root = loadPackageDefinition(loadSync(file, { ...PROTO_OPTIONS, includeDirs: [...includeDirs] }));
    } catch (err) {
      throw new ProtoError(
        'PROTO_NOT_LOADED',
        `cannot load ${file} from ${includeDirs.join(', ')}: ${(err as Error).message}`,
      );
    }
    loaded.set(key, root);
  }
  return root;
}

/** The service definition at a dotted name such as `google.pubsub.v1.Publisher`. */
export function serviceDefinition(root: GrpcObject, fullName: string): ServiceDefinition {
  let node: unknown = root;
  for (const part of fullName.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  const service = (node as { service?: ServiceDefinition } | undefined)?.service;
  if (service === undefined)
    throw new ProtoError('SERVICE_NOT_FOUND', `no service ${fullName} in the loaded protos`);
  return service;
}

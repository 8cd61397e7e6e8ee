/** The part of s3rver's API the S3 stand-in uses; the package ships no types. */
declare module 's3rver' {
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    /** Suppresses its request log and Koa's error printing. */
    silent?: boolean;
    /** Where buckets and objects live, one folder per bucket. */
    directory?: string;
    resetOnClose?: boolean;
    /** Whether a Host that is not an IP or localhost names a bucket (virtual-host style). */
    vhostBuckets?: boolean;
    serviceEndpoint?: string;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    /** Set once run() has resolved. */
    httpServer: Server | undefined;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    reset(): void;
  }
  export = S3rver;
}

/**
 * The fixed identity of the local AWS stand-ins. s3rver only accepts its own development key pair,
 * so every AWS stand-in uses it, and one set of standard variables configures all the SDK clients.
 * These are not secrets: they are s3rver's published defaults and grant nothing anywhere else.
 */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_ACCESS_KEY_ID = 'S3RVER';
export const LOCAL_SECRET_ACCESS_KEY = 'S3RVER';

/** Not frozen: the SDK records how it resolved credentials on the object it is given. */
export const LOCAL_CREDENTIALS = {
  accessKeyId: LOCAL_ACCESS_KEY_ID,
  secretAccessKey: LOCAL_SECRET_ACCESS_KEY,
};

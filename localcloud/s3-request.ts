/** Small readers of an incoming S3 request that the front's handlers share. */
import type http from 'node:http';

/** A header as one string: Node gives repeated headers as an array. */
export function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Waits until the rest of a request body has been read and discarded. */
export function drain(req: http.IncomingMessage): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.once('end', resolve);
    req.once('close', resolve);
    req.resume();
  });
}

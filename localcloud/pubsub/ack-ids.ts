/**
 * Ack ids and ack deadlines as requests carry them. An ack id names one delivery; ids are minted
 * from one counter per stand-in, so an id of another subscription, or of a deleted and recreated
 * one, never matches. A well-formed id that matches no delivery (stale, expired, of another
 * subscription) is ignored, as by the service; one that could never have been issued is refused.
 */
import { invalidArgument } from './errors.js';
import { MAX_ACK_DEADLINE_SECONDS } from './settings.js';

const ACK_ID = /^[0-9a-z]{1,11}$/;

export class AckIdMint {
  private next = 0;

  mint(): string {
    return (this.next++).toString(36);
  }
}

export function checkAckIds(ackIds: readonly string[]): void {
  for (const ackId of ackIds) {
    if (!ACK_ID.test(ackId)) {
      throw invalidArgument(
        `You have passed an invalid ack ID to the service (ack_id=${ackId.slice(0, 64)})`,
      );
    }
  }
}

export function checkAckDeadline(seconds: number): void {
  if (!(seconds >= 0 && seconds <= MAX_ACK_DEADLINE_SECONDS)) {
    throw invalidArgument(`Invalid ack deadline ${seconds}: it must be from 0 to 600 seconds`);
  }
}

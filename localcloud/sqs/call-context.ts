/** What every action handler gets besides its input. */
import type { FaultController } from '../faults.js';
import type { Input } from './params.js';
import type { QueueRegistry } from './registry.js';

export interface CallContext {
  readonly registry: QueueRegistry;
  readonly faults: FaultController;
  /** Epoch ms when the request arrived. */
  readonly now: number;
  /** Who sent the request, as SenderId reports it. */
  readonly senderId: string;
  /** Calls `listener` if the client goes away before it is answered; returns the unsubscription. */
  onClientGone(listener: () => void): () => void;
}

/** The JSON members of a successful answer. */
export type ActionResult = object;

export type Action = (input: Input, ctx: CallContext) => ActionResult | Promise<ActionResult>;

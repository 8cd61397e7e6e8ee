import { describe, expect, it } from 'vitest';
import { prng } from '../../core/synthetic.js';
import { FaultController, FaultError, NO_FAULTS } from '../../localcloud/faults.js';

describe('FaultController', () => {
  it('starts with no faults and merges partial settings', () => {
    const faults = new FaultController();
    expect(faults.get('sqs')).toEqual(NO_FAULTS);

    const after = faults.set('sqs', { latencyMs: 250 });
    faults.set('sqs', { failureRate: 0.5, failureKind: 'throttle' });

    expect(after.latencyMs).toBe(250);
    expect(faults.get('sqs')).toEqual({
      ...NO_FAULTS,
      latencyMs: 250,
      failureRate: 0.5,
      failureKind: 'throttle',
    });
    expect(faults.get('s3')).toEqual(NO_FAULTS);
  });

  it.each([
    [{ failureRate: 1.5 }, 'failureRate must be a number from 0 to 1'],
    [{ duplicateRate: -0.1 }, 'duplicateRate must be a number from 0 to 1'],
    [{ latencyMs: -1 }, 'latencyMs must be from 0 to 600000'],
    [{ failureKind: 'boom' as never }, 'failureKind must be throttle, server or mixed'],
    [{ down: 'yes' as never }, 'down must be true or false'],
  ])('rejects %j with a message naming the setting', (patch, message) => {
    const faults = new FaultController();
    expect(() => faults.set('dynamodb', patch)).toThrow(FaultError);
    expect(() => faults.set('dynamodb', patch)).toThrow(message);
    expect(faults.get('dynamodb')).toEqual(NO_FAULTS);
  });

  it('rejects an unknown service', () => {
    expect(() => new FaultController().set('kinesis' as never, { down: true })).toThrow(
      'unknown service "kinesis"',
    );
  });

  it('fails about the configured share of requests, with the configured kind', () => {
    const faults = new FaultController({ random: prng(5) });
    faults.set('s3', { failureRate: 0.25, failureKind: 'server', latencyMs: 7 });

    const decisions = Array.from({ length: 4000 }, () => faults.decide('s3'));

    const failed = decisions.filter((d) => d.failure !== undefined);
    expect(failed.length / decisions.length).toBeGreaterThan(0.22);
    expect(failed.length / decisions.length).toBeLessThan(0.28);
    expect(new Set(failed.map((d) => d.failure))).toEqual(new Set(['server']));
    expect(decisions.every((d) => d.delayMs === 7)).toBe(true);
  });

  it('mixes throttling and server errors when the kind is mixed', () => {
    const faults = new FaultController({ random: prng(9) });
    faults.set('sqs', { failureRate: 1 });

    const kinds = Array.from({ length: 200 }, () => faults.decide('sqs').failure);

    expect(kinds.filter((k) => k === 'throttle').length).toBeGreaterThan(60);
    expect(kinds.filter((k) => k === 'server').length).toBeGreaterThan(60);
  });

  it('counts requests by service and operation and resets them', () => {
    const faults = new FaultController();
    faults.record('sqs', 'SendMessageBatch');
    faults.record('sqs', 'SendMessageBatch');
    faults.record('sqs', 'ReceiveMessage');
    faults.record('s3', 'PutObject');

    expect(faults.counts()).toEqual({
      sqs: { SendMessageBatch: 2, ReceiveMessage: 1 },
      s3: { PutObject: 1 },
    });
    expect(faults.total('sqs')).toBe(3);
    expect(faults.total('sqs', 'ReceiveMessage')).toBe(1);
    faults.resetCounts();
    expect(faults.counts()).toEqual({});
  });

  it('announces changes and resets every service', () => {
    const faults = new FaultController();
    const seen: string[] = [];
    faults.on('change', (service, settings) => seen.push(`${service}:${settings.down}`));

    faults.set('pubsub', { down: true });
    faults.reset();

    expect(seen).toEqual(['pubsub:true', 'pubsub:false']);
    expect(faults.get('pubsub').down).toBe(false);
  });

  it('duplicates about the configured share of deliveries', () => {
    const faults = new FaultController({ random: prng(3) });
    faults.set('sqs', { duplicateRate: 0.1 });
    const n = Array.from({ length: 5000 }, () => faults.duplicate('sqs')).filter(Boolean).length;
    expect(n).toBeGreaterThan(400);
    expect(n).toBeLessThan(600);
    expect(faults.duplicate('s3')).toBe(false);
  });
});

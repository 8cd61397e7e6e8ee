/**
 * Cloud Storage preconditions through the official client: create-only writes (ifGenerationMatch
 * 0), which must hold under concurrency since raw trade archives rely on them, and the
 * generation and metageneration conditions on overwrites, patches, deletes and reads.
 */
import { describe, expect, it } from 'vitest';
import { failureOf, gcsSuite, statusOf } from './gcs-target.js';

const suite = gcsSuite();
const createOnly = { preconditionOpts: { ifGenerationMatch: 0 } };

async function generationOf(name: string): Promise<number> {
  const [metadata] = await suite.bucket.file(name).getMetadata();
  return Number(metadata.generation);
}

describe('Cloud Storage preconditions', () => {
  for (const resumable of [false, true]) {
    const kind = resumable ? 'resumable' : 'multipart';

    it(`refuses a second create-only ${kind} upload with 412 and keeps the first`, async () => {
      const file = suite.bucket.file(`create-only/${kind}`);
      await file.save('first', { resumable, ...createOnly });
      const err = await failureOf(file.save('second', { resumable, ...createOnly }));
      expect(statusOf(err)).toBe(412);
      expect((await file.download())[0].toString()).toBe('first');
    });

    it(`lets exactly one of 8 concurrent create-only ${kind} uploads of a name succeed`, async () => {
      const name = `race/${kind}`;
      const attempts = Array.from({ length: 8 }, (_, i) =>
        suite.bucket.file(name).save(`writer ${i}`, { resumable, ...createOnly }),
      );
      const outcomes = await Promise.allSettled(attempts);
      const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [statusOf(o.reason)] : []));
      expect(won).toHaveLength(1);
      expect(refused).toEqual(Array(7).fill(412));
      expect((await suite.bucket.file(name).download())[0].toString()).toBe(`writer ${won[0]}`);
    });
  }

  it('overwrites only when ifGenerationMatch names the live generation', async () => {
    const file = suite.bucket.file('generations/overwrite');
    await file.save('v1', { resumable: false });
    const first = await generationOf(file.name);
    await file.save('v2', { resumable: false, preconditionOpts: { ifGenerationMatch: first } });
    const second = await generationOf(file.name);
    expect(second).toBeGreaterThan(first);
    const stale = file.save('v3', { resumable: false, preconditionOpts: { ifGenerationMatch: first } });
    expect(statusOf(await failureOf(stale))).toBe(412);
    expect((await file.download())[0].toString()).toBe('v2');
  });

  it('refuses an upload conditioned on an existing generation when there is none', async () => {
    const file = suite.bucket.file('generations/missing');
    const err = await failureOf(
      file.save('x', { resumable: false, preconditionOpts: { ifGenerationMatch: 1 } }),
    );
    expect(statusOf(err)).toBe(412);
  });

  it('patches only when ifMetagenerationMatch names the live metageneration', async () => {
    const file = suite.bucket.file('generations/patch');
    await file.save('x', { resumable: false });
    await file.setMetadata({ metadata: { step: '1' } }, { ifMetagenerationMatch: 1 });
    const err = await failureOf(file.setMetadata({ metadata: { step: '2' } }, { ifMetagenerationMatch: 1 }));
    expect(statusOf(err)).toBe(412);
    const [metadata] = await file.getMetadata();
    expect(metadata).toMatchObject({ metageneration: '2', metadata: { step: '1' } });
  });

  it('deletes only the named generation', async () => {
    const file = suite.bucket.file('generations/delete');
    await file.save('x', { resumable: false });
    const generation = await generationOf(file.name);
    expect(statusOf(await failureOf(file.delete({ ifGenerationMatch: generation + 1 })))).toBe(412);
    await file.delete({ ifGenerationMatch: generation });
    expect((await file.exists())[0]).toBe(false);
  });

  it('answers reads whose preconditions fail: 412 for Match, 304 for NotMatch', async () => {
    const file = suite.bucket.file('generations/read');
    await file.save('x', { resumable: false });
    const generation = await generationOf(file.name);
    const [same] = await file.getMetadata({ ifGenerationMatch: generation });
    expect(Number(same.generation)).toBe(generation);
    expect(statusOf(await failureOf(file.getMetadata({ ifGenerationMatch: generation + 1 })))).toBe(412);
    expect(statusOf(await failureOf(file.getMetadata({ ifMetagenerationNotMatch: 1 })))).toBe(304);
  });

  it('reads a pinned generation only while it is live', async () => {
    const file = suite.bucket.file('generations/pinned');
    await file.save('old', { resumable: false });
    const old = await generationOf(file.name);
    const pinned = suite.bucket.file(file.name, { generation: old });
    expect((await pinned.download())[0].toString()).toBe('old');
    await file.save('new', { resumable: false });
    expect(statusOf(await failureOf(pinned.download()))).toBe(404);
  });
});

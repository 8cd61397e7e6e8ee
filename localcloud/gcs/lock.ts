/**
 * One-at-a-time sections per key. Writes to one object check their preconditions and land inside
 * the object's section, so two create-only uploads racing for a name see each other: the first
 * lands, the second finds it and gets 412. Writes to different objects do not wait on each other.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(section, section);
    const tail = result.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      // Forget the key once nobody queued behind this section, so the map stays small.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

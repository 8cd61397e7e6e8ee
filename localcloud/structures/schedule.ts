/**
 * Entries due at a time (an SQS queue's hidden messages, a Pub/Sub subscription's deadlines and
 * backoffs), ordered by that time in a binary min-heap. Each entry records its own index, so a
 * delete or a time change moves one entry in O(log n) instead of leaving stale entries behind or
 * scanning.
 */
export interface Scheduled {
  /** Epoch milliseconds at which the entry is due. */
  visibleAt: number;
  /** Position in the heap, -1 when not in it. Owned by the heap. */
  heapIndex: number;
}

export class Schedule<T extends Scheduled> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** The entry due first, without removing it. */
  peek(): T | undefined {
    return this.heap[0];
  }

  add(item: T): void {
    item.heapIndex = this.heap.length;
    this.heap.push(item);
    this.up(item.heapIndex);
  }

  /** Removes the entry due first. */
  pop(): T | undefined {
    const top = this.heap[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  remove(item: T): void {
    const index = item.heapIndex;
    if (index < 0 || this.heap[index] !== item) return;
    const last = this.heap.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    this.heap[index] = last;
    last.heapIndex = index;
    this.down(index);
    this.up(last.heapIndex);
  }

  /** Moves an entry after its visibleAt changed. */
  update(item: T): void {
    if (item.heapIndex < 0) return;
    this.up(item.heapIndex);
    this.down(item.heapIndex);
  }

  clear(): void {
    for (const item of this.heap) item.heapIndex = -1;
    this.heap.length = 0;
  }

  values(): readonly T[] {
    return this.heap;
  }

  private up(index: number): void {
    const heap = this.heap;
    const item = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (parent.visibleAt <= item.visibleAt) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = item;
    item.heapIndex = index;
  }

  private down(index: number): void {
    const heap = this.heap;
    const length = heap.length;
    const item = heap[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && heap[right]!.visibleAt < heap[left]!.visibleAt ? right : left;
      const childItem = heap[child]!;
      if (childItem.visibleAt >= item.visibleAt) break;
      heap[index] = childItem;
      childItem.heapIndex = index;
      index = child;
    }
    heap[index] = item;
    item.heapIndex = index;
  }
}

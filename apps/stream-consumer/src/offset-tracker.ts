/**
 * Which offset of each partition may be committed: the messages of a partition are handled
 * concurrently and finish in any order, but an offset is committed only once every message
 * before it on its partition is done, so a crash (which restarts at the committed offset) never
 * skips a message. Offsets are taken in the order they were read, not as numbers (a partition may
 * have gaps: compacted records, transaction markers).
 */
export class OffsetTracker<M> {
  private readonly partitions = new Map<string, Array<{ offset: bigint; message: M; done: boolean }>>();

  /** Records a message read (in partition order). A message before the partition's last one means it was read again from an earlier offset (a rebalance): the partition starts over. */
  read(partitionKey: string, offset: bigint, message: M): void {
    let queue = this.partitions.get(partitionKey);
    const last = queue?.at(-1);
    if (queue === undefined || (last !== undefined && offset <= last.offset)) {
      queue = [];
      this.partitions.set(partitionKey, queue);
    }
    queue.push({ offset, message, done: false });
  }

  /**
   * Marks a message done and returns the message whose offset may now be committed (the last of
   * the done run at the head of its partition), or undefined when an earlier one is still running.
   */
  done(partitionKey: string, offset: bigint): M | undefined {
    const queue = this.partitions.get(partitionKey);
    const entry = queue?.find((candidate) => candidate.offset === offset);
    if (queue === undefined || entry === undefined) return undefined;
    entry.done = true;
    let committable: M | undefined;
    while (queue.length > 0 && queue[0]?.done) committable = queue.shift()?.message;
    return committable;
  }

  /** Forgets partitions no longer assigned: their uncommitted messages will be read again by their new owner. */
  retain(assigned: ReadonlySet<string>): void {
    for (const key of this.partitions.keys()) if (!assigned.has(key)) this.partitions.delete(key);
  }

  /** Messages read and not yet committable, all partitions together. */
  get pending(): number {
    let count = 0;
    for (const queue of this.partitions.values()) count += queue.length;
    return count;
  }
}

/**
 * How chunks waiting to be embedded are packed into requests. Pure: token counts in, groups of indexes out.
 *
 * Packing is greedy and in order: each group takes the next chunks while it stays within both limits, so the
 * groups are as few as any in-order packing can make them, and a chunk's vector comes back in the request beside
 * its neighbours (the chunks of one message). A chunk alone over `maxTokens` gets a group of its own: whether it
 * is too large is the endpoint's to say (EmbeddingTooLargeError), not a guess here.
 */

export interface RequestLimits {
  /** Inputs per request at most: a positive integer. */
  maxInputs: number;
  /** Tokens per request at most, summed over its inputs: positive (Infinity for no limit). */
  maxTokens: number;
}

/** Groups of indexes into `tokens`, in order, each within `limits` (or a single chunk over `maxTokens`). */
export function planRequests(tokens: readonly number[], limits: RequestLimits): number[][] {
  const { maxInputs, maxTokens } = limits;
  if (!Number.isSafeInteger(maxInputs) || maxInputs < 1) {
    throw new RangeError(`maxInputs must be a positive integer, got ${maxInputs}`);
  }
  if (Number.isNaN(maxTokens) || maxTokens <= 0) {
    throw new RangeError(`maxTokens must be positive, got ${maxTokens}`);
  }
  const groups: number[][] = [];
  let group: number[] = [];
  let sum = 0;
  for (const [index, count] of tokens.entries()) {
    if (!Number.isFinite(count) || count < 0) {
      throw new RangeError(`token counts must be finite and not negative, got ${count} at ${index}`);
    }
    if (group.length > 0 && (group.length === maxInputs || sum + count > maxTokens)) {
      groups.push(group);
      group = [];
      sum = 0;
    }
    group.push(index);
    sum += count;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * A group split in two for sending again, after the endpoint found it too large: the first half the larger by one
 * when the count is odd. A group of one cannot be split: its chunk is too large alone.
 */
export function halves(group: readonly number[]): [number[], number[]] {
  if (group.length < 2) throw new RangeError(`a group of ${group.length} cannot be split in halves`);
  const middle = Math.ceil(group.length / 2);
  return [group.slice(0, middle), group.slice(middle)];
}

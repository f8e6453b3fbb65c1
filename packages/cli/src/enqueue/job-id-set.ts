/**
 * The job ids an enqueue has published, to skip a job given twice. A million ids must not cost a million
 * strings: each id (hex, at least 16 digits, as `jobIdFor` makes them) is kept as its first 64 bits in an
 * open-addressing table of BigUint64 slots, about 16 bytes per id. Ids that are not hex are hashed to 64 bits
 * first. Two different ids colliding in 64 bits (odds about n²/2⁶⁵) would skip one job; ids are content hashes,
 * so that is as likely as a hash collision in the id itself.
 */
export class JobIdSet {
  #slots = new BigUint64Array(1 << 16);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds the id; false when it was there already. */
  add(id: string): boolean {
    if ((this.#size + 1) * 2 > this.#slots.length) this.#grow();
    const inserted = insert(this.#slots, keyOf(id));
    if (inserted) this.#size++;
    return inserted;
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new BigUint64Array(old.length * 2);
    for (const key of old) if (key !== 0n) insert(this.#slots, key);
  }
}

const HEX64 = /^[0-9a-f]{16}/;
const MASK64 = (1n << 64n) - 1n;

/** A non-zero 64-bit key (0 marks an empty slot). */
function keyOf(id: string): bigint {
  const key = HEX64.test(id) ? BigInt(`0x${id.slice(0, 16)}`) : fnv1a64(id);
  return key === 0n ? 1n : key;
}

function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & MASK64;
  }
  return hash;
}

function insert(slots: BigUint64Array, key: bigint): boolean {
  const mask = slots.length - 1;
  let index = Number(key & BigInt(mask));
  for (;;) {
    const slot = slots[index];
    if (slot === 0n) {
      slots[index] = key;
      return true;
    }
    if (slot === key) return false;
    index = (index + 1) & mask;
  }
}

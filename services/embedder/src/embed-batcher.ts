import { EmbeddingRefusedError, EmbeddingTooLargeError } from './errors.ts';
import { halves, planRequests } from './request-plan.ts';

/** One chunk to embed: its text and its token count (the transformer's, the same tokenizer for every chunk). */
export interface EmbedItem {
  text: string;
  tokens: number;
}

export interface EmbedBatcherOptions {
  /** Chunks per request at most. */
  maxInputs: number;
  /** Tokens per request at most (a chunk alone over it goes alone). */
  maxTokens: number;
  /** Longest wait for more chunks once some are waiting. */
  lingerMs: number;
}

export interface EmbedBatcherDeps {
  /** One request: resolves with a vector per text, in order (budget, concurrency and breaker are its own). */
  send: (texts: string[], tokens: number) => Promise<number[][]>;
  /** Hears of each request's size. */
  onRequest?: (inputs: number, tokens: number) => void;
}

/** The chunks of one caller (one store message), waiting for their vectors. */
interface Caller {
  items: readonly EmbedItem[];
  vectors: (number[] | undefined)[];
  remaining: number;
  settled: boolean;
  resolve: (vectors: number[][]) => void;
  reject: (err: unknown) => void;
}

/** A chunk in a request: whose it is and where. */
interface Slot {
  caller: Caller;
  index: number;
}

/**
 * Packs the chunks of many store messages into few requests (docs/architecture.md §18): the embedder's handler
 * asks for one message's chunks at a time, and concurrent messages share requests, up to `maxInputs` chunks and
 * `maxTokens` tokens each, waiting at most `lingerMs` for a request to fill. Each caller gets its own vectors, or
 * its own failure:
 * - a request the endpoint finds too large is split in halves and each sent again, down to one chunk, which then
 *   fails its message (`embedding-too-large`);
 * - a request the endpoint refuses for good fails only the message whose chunk it names, the rest sent again; when
 *   it names none, each message's part is sent apart, so only the message it refuses fails (`embedding-refused`);
 * - any other failure (unavailable, rate limited, breaker open) fails every message in the request, which the
 *   consumer retries or defers as the error says.
 */
export class EmbedBatcher {
  readonly #options: EmbedBatcherOptions;
  readonly #deps: EmbedBatcherDeps;
  #waiting: Slot[] = [];
  #waitingTokens = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: EmbedBatcherOptions, deps: EmbedBatcherDeps) {
    this.#options = options;
    this.#deps = deps;
  }

  /** Chunks waiting for a request to be sent. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** The vectors of the items, in their order. */
  embed(items: readonly EmbedItem[]): Promise<number[][]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<number[][]>((resolve, reject) => {
      const caller: Caller = {
        items,
        vectors: new Array(items.length),
        remaining: items.length,
        settled: false,
        resolve,
        reject,
      };
      items.forEach((item, index) => {
        this.#waiting.push({ caller, index });
        this.#waitingTokens += item.tokens;
      });
      if (this.#waiting.length >= this.#options.maxInputs || this.#waitingTokens >= this.#options.maxTokens) {
        this.flush();
      } else if (this.#timer === undefined) {
        this.#timer = setTimeout(() => this.flush(), this.#options.lingerMs);
      }
    });
  }

  /** Sends every waiting chunk now (on a full request, when the linger ends, and when the embedder stops). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const slots = this.#waiting;
    this.#waiting = [];
    this.#waitingTokens = 0;
    const groups = planRequests(
      slots.map((slot) => tokensOf(slot)),
      { maxInputs: this.#options.maxInputs, maxTokens: this.#options.maxTokens },
    );
    for (const group of groups) void this.#send(group.map((i) => slots[i] as Slot));
  }

  async #send(request: readonly Slot[]): Promise<void> {
    const live = request.filter((slot) => !slot.caller.settled);
    if (live.length === 0) return;
    const tokens = live.reduce((sum, slot) => sum + tokensOf(slot), 0);
    let vectors: number[][];
    try {
      this.#deps.onRequest?.(live.length, tokens);
      vectors = await this.#deps.send(
        live.map((slot) => slot.caller.items[slot.index]?.text ?? ''),
        tokens,
      );
    } catch (err) {
      await this.#failed(live, err);
      return;
    }
    live.forEach((slot, i) => {
      deliver(slot, vectors[i] as number[]);
    });
  }

  async #failed(request: readonly Slot[], err: unknown): Promise<void> {
    if (err instanceof EmbeddingTooLargeError && request.length > 1) {
      const [first, second] = halves(request.map((_, i) => i));
      await Promise.all([first, second].map((part) => this.#send(part.map((i) => request[i] as Slot))));
      return;
    }
    if (err instanceof EmbeddingRefusedError) {
      const callers = [...new Set(request.map((slot) => slot.caller))];
      const named = err.inputIndex === undefined ? undefined : request[err.inputIndex];
      if (named !== undefined) {
        fail(named.caller, err);
        await this.#send(request.filter((slot) => slot.caller !== named.caller));
        return;
      }
      if (callers.length > 1) {
        await Promise.all(
          callers.map((caller) => this.#send(request.filter((slot) => slot.caller === caller))),
        );
        return;
      }
    }
    for (const slot of request) fail(slot.caller, err);
  }
}

function tokensOf(slot: Slot): number {
  return slot.caller.items[slot.index]?.tokens ?? 0;
}

function deliver(slot: Slot, vector: number[]): void {
  const { caller } = slot;
  if (caller.settled) return;
  caller.vectors[slot.index] = vector;
  caller.remaining--;
  if (caller.remaining === 0) {
    caller.settled = true;
    caller.resolve(caller.vectors as number[][]);
  }
}

function fail(caller: Caller, err: unknown): void {
  if (caller.settled) return;
  caller.settled = true;
  caller.reject(err);
}

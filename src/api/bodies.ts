/**
 * Request bodies on their way to the transport: a streamed body handed over as it is (the Node
 * transport takes it) or as a web stream (a fetch), and, under a bandwidth cap, cut into small
 * slices that each wait for their share of the cap, so a capped transfer is smooth, not a burst of
 * a whole part and then a wait.
 */
import type { Pacer } from "./pacer";
import type { StreamedBody } from "./transport";

/**
 * Under a bandwidth cap, how much may be on its way at once: a new body starts only while what the
 * bodies in flight have not sent yet is less than WINDOW_SECONDS of the cap (or nothing is in
 * flight). Without it, eight 8 MiB parts under an 8 MiB/s cap each crawl at 1 MiB/s and none is
 * done when a run is interrupted (measured: 28.5 of 60 MB sent, 1 part kept); with it, about one
 * part is on its way at a time, the cap stays full (the next body starts half a second before the
 * last ends), and an interruption loses about one part's worth of sending.
 */
const WINDOW_SECONDS = 0.5;

/** One body's place in the window: told as its bytes go, left when its request ends. */
export interface WindowTicket {
  sent(bytes: number): void;
  leave(): void;
}

export class SendWindow {
  private unsent = 0;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Waits for room for a body of `bytes`; an abort ends the wait with the signal's reason. */
  async enter(bytes: number, signal: AbortSignal | undefined): Promise<WindowTicket> {
    while (this.inFlight > 0 && (this.unsent >= this.limit || this.waiting.length > 0)) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener("abort", stop);
          resolve();
        };
        const stop = () => {
          const at = this.waiting.indexOf(go);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", stop, { once: true });
        this.waiting.push(go);
      });
      if (this.inFlight === 0 || this.unsent < this.limit) break;
    }
    this.inFlight++;
    this.unsent += bytes;
    let left = bytes;
    let done = false;
    return {
      sent: (n) => {
        const take = Math.min(n, left);
        left -= take;
        this.unsent -= take;
        this.wake();
      },
      leave: () => {
        if (done) return;
        done = true;
        this.unsent -= left;
        left = 0;
        this.inFlight--;
        this.wake();
      },
    };
  }

  /** The first waiter goes when there is room (one at a time, in order). */
  private wake(): void {
    if (this.waiting.length && (this.inFlight === 0 || this.unsent < this.limit)) this.waiting.shift()!();
  }
}

export class Bodies {
  /** Under a bandwidth cap, what may be on its way at once (see SendWindow); undefined without one. */
  readonly window: SendWindow | undefined;

  constructor(
    /** Whether the transport takes a StreamedBody as it is (the Node one); else bodies become web streams. */
    private readonly streamsNatively: boolean,
    private readonly pacer: Pacer,
  ) {
    const cap = pacer.bytesPerSecond;
    this.window = cap ? new SendWindow(cap * WINDOW_SECONDS) : undefined;
  }

  /** True when bodies must go out in slices (a bandwidth cap), never whole. */
  get sliced(): boolean {
    return this.pacer.sliceBytes !== undefined;
  }

  /** A streamed body in the form the transport takes, held to the bandwidth cap when there is one (its bytes told to `ticket`). */
  stream(source: StreamedBody, ticket?: WindowTicket): BodyInit {
    const body = this.pacer.sliceBytes === undefined ? source : capped(source, this.pacer, ticket);
    if (this.streamsNatively) return body as unknown as BodyInit;
    const it = body.chunks()[Symbol.asyncIterator]();
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await it.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await it.return?.();
      },
    });
  }

  /** What a fetch Request needs to send a web stream. */
  init(): { duplex?: "half" } {
    return this.streamsNatively ? {} : { duplex: "half" };
  }
}

/** `body` in slices of the pacer's size, each sent only when the bandwidth cap allows. */
function capped(body: StreamedBody, pacer: Pacer, ticket: WindowTicket | undefined): StreamedBody {
  const slice = pacer.sliceBytes!;
  return {
    length: body.length,
    async *chunks() {
      for await (const chunk of body.chunks()) {
        for (let at = 0; at < chunk.byteLength; at += slice) {
          const piece = chunk.subarray(at, at + slice);
          await pacer.transmit(piece.byteLength);
          ticket?.sent(piece.byteLength);
          yield piece;
        }
      }
    },
  };
}

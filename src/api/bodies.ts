/**
 * Request bodies on their way to the transport: a streamed body handed over as it is (the Node
 * transport takes it) or as a web stream (a fetch), and, under a bandwidth cap, cut into small
 * slices that each wait for their share of the cap, so a capped transfer is smooth, not a burst of
 * a whole part and then a wait.
 */
import type { Pacer } from "./pacer";
import type { StreamedBody } from "./transport";

export class Bodies {
  constructor(
    /** Whether the transport takes a StreamedBody as it is (the Node one); else bodies become web streams. */
    private readonly streamsNatively: boolean,
    private readonly pacer: Pacer,
  ) {}

  /** True when bodies must go out in slices (a bandwidth cap), never whole. */
  get sliced(): boolean {
    return this.pacer.sliceBytes !== undefined;
  }

  /** A streamed body in the form the transport takes, held to the bandwidth cap when there is one. */
  stream(source: StreamedBody): BodyInit {
    const body = this.pacer.sliceBytes === undefined ? source : capped(source, this.pacer);
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
function capped(body: StreamedBody, pacer: Pacer): StreamedBody {
  const slice = pacer.sliceBytes!;
  return {
    length: body.length,
    async *chunks() {
      for await (const chunk of body.chunks()) {
        for (let at = 0; at < chunk.byteLength; at += slice) {
          const piece = chunk.subarray(at, at + slice);
          await pacer.transmit(piece.byteLength);
          yield piece;
        }
      }
    },
  };
}

import { getEventListeners } from "node:events";
import { linkedSignal } from "../../src/core/linkedSignal";

describe("linkedSignal: any-of plus a deadline, that lets go when disposed", () => {
  test("aborts with the first source's reason; the deadline signal stays quiet", () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkedSignal([a.signal, undefined, b.signal], 60_000);
    b.abort(new Error("second"));
    expect(linked.signal.aborted).toBe(true);
    expect((linked.signal.reason as Error).message).toBe("second");
    expect(linked.deadline.aborted).toBe(false);
    // Aborting released the other source: nothing is left listening on it.
    expect(getEventListeners(a.signal, "abort")).toHaveLength(0);
  });

  test("the deadline aborts both signals with a TimeoutError", async () => {
    const caller = new AbortController();
    const linked = linkedSignal([caller.signal], 20);
    await new Promise((r) => setTimeout(r, 60));
    expect(linked.deadline.aborted).toBe(true);
    expect((linked.signal.reason as DOMException).name).toBe("TimeoutError");
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });

  test("an already aborted source aborts it at once", () => {
    const linked = linkedSignal([AbortSignal.abort(new Error("gone"))], 1_000);
    expect((linked.signal.reason as Error).message).toBe("gone");
  });

  test("disposed, it leaves nothing on a long-lived source and no timer behind", async () => {
    const longLived = new AbortController();
    for (let i = 0; i < 10_000; i++) linkedSignal([longLived.signal], 600_000).dispose();
    expect(getEventListeners(longLived.signal, "abort")).toHaveLength(0);
    const linked = linkedSignal([longLived.signal], 20);
    linked.dispose();
    await new Promise((r) => setTimeout(r, 60));
    expect(linked.signal.aborted).toBe(false);
    longLived.abort();
    expect(linked.signal.aborted).toBe(false);
  });
});

import { UploadAbortedError } from "../../src/core/errors";
import { PartBudget } from "../../src/upload/budget";

describe("PartBudget: requests in flight and part buffers shared by uploads", () => {
  test("never hands out more slots than it has; a released slot goes to the longest waiter", async () => {
    const budget = new PartBudget(2);
    const a = await budget.acquire();
    const b = await budget.acquire();
    const order: string[] = [];
    const c = budget.acquire().then((s) => (order.push("c"), s));
    const d = budget.acquire().then((s) => (order.push("d"), s));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    expect(budget.held).toBe(2);
    a.release();
    a.release(); // a second release of the same slot frees nothing more
    const cs = await c;
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(["c"]);
    b.release();
    const ds = await d;
    expect(order).toEqual(["c", "d"]);
    cs.release();
    ds.release();
    expect(budget.held).toBe(0);
  });

  test("a slot's buffer is recycled for the next holder, grown when a part is larger, dropped when abandoned", async () => {
    const budget = new PartBudget(1);
    const first = await budget.acquire();
    const buf = first.buffer(8);
    buf.fill(7);
    first.release();
    const second = await budget.acquire();
    const again = second.buffer(4);
    expect(again.buffer).toBe(buf.buffer); // same memory, no new allocation
    expect(again.byteLength).toBe(4);
    const bigger = second.buffer(16);
    expect(bigger.byteLength).toBe(16);
    second.release(true); // abandoned: a late write may still land in it
    const third = await budget.acquire();
    expect(third.buffer(16).buffer).not.toBe(bigger.buffer);
    expect(() => second.buffer(1)).toThrow(/released/);
    third.release();
  });

  test("an abort ends a wait with UploadAbortedError and takes no slot", async () => {
    const budget = new PartBudget(1);
    const held = await budget.acquire();
    const ctl = new AbortController();
    const waiting = budget.acquire(ctl.signal);
    ctl.abort(new Error("stop"));
    await expect(waiting).rejects.toBeInstanceOf(UploadAbortedError);
    held.release();
    expect(budget.held).toBe(0);
    const next = await budget.acquire();
    expect(budget.held).toBe(1);
    next.release();
    await expect(budget.acquire(AbortSignal.abort())).rejects.toBeInstanceOf(UploadAbortedError);
    expect(() => new PartBudget(0)).toThrow(RangeError);
  });
});

test("a buffer that went to another thread and back is adopted, so the slot keeps recycling it", async () => {
  const budget = new PartBudget(1);
  const slot = await budget.acquire();
  const original = slot.buffer(16);
  // What a transfer does: the memory moves (here, a copy stands in for the returned buffer) and the old view is detached.
  const moved = structuredClone(original.buffer, { transfer: [original.buffer] });
  expect(original.byteLength).toBe(0);
  slot.adopt(new Uint8Array(moved, 0, 16));
  expect(slot.buffer(16).buffer).toBe(moved);
  slot.release();
  const next = await budget.acquire();
  expect(next.buffer(8).buffer).toBe(moved);
  next.release();
});

import { getEventListeners } from "node:events";
import { SignalFan } from "../../src/core/signalFan";

describe("SignalFan: one abort fanned out to a signal per task", () => {
  test("sixty-four tasks hang one listener on the parent, and all end with its reason", () => {
    const parent = new AbortController();
    const fan = new SignalFan([parent.signal]);
    const tasks = Array.from({ length: 64 }, () => fan.task());
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(1);
    for (const t of tasks) expect(getEventListeners(t.signal, "abort")).toHaveLength(0);
    parent.abort(new Error("stop all"));
    expect(tasks.every((t) => t.signal.aborted && (t.signal.reason as Error).message === "stop all")).toBe(true);
  });

  test("a released task is no longer aborted with the others; one task can end alone", () => {
    const fan = new SignalFan([]);
    const done = fan.task();
    const alone = fan.task();
    const other = fan.task();
    done.release();
    alone.abort(new Error("lock lost"));
    expect(alone.signal.aborted).toBe(true);
    expect(other.signal.aborted).toBe(false);
    fan.stop(new Error("fatal"));
    expect(done.signal.aborted).toBe(false);
    expect((other.signal.reason as Error).message).toBe("fatal");
    expect((alone.signal.reason as Error).message).toBe("lock lost");
  });

  test("a task taken after the stop starts aborted; the first stop's reason wins", () => {
    const fan = new SignalFan([undefined]);
    fan.stop(new Error("first"));
    fan.stop(new Error("second"));
    const late = fan.task();
    expect(late.signal.aborted).toBe(true);
    expect((late.signal.reason as Error).message).toBe("first");
  });

  test("dispose lets go of the parents", () => {
    const parent = new AbortController();
    const fan = new SignalFan([parent.signal]);
    fan.dispose();
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(0);
  });
});

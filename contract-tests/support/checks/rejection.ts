/** Capturing what a promise rejects with (and how long that took), to look at the error itself. */
import { inspect } from "node:util";

/** The reason `promise` rejected with; fails the test when it resolved instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown>;
/** The reason `promise` rejected with, checked to be a `type` and typed as one. */
export async function rejectionOf<E>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E>;
export async function rejectionOf(promise: Promise<unknown>, type?: abstract new (...args: never[]) => unknown): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (err) {
    if (type) expect(err).toBeInstanceOf(type);
    return err;
  }
  throw new Error(`expected a rejection, but the promise resolved with ${JSON.stringify(value)}`);
}

/** The rejection of `promise` and how long it took to arrive; fails when it resolves. */
export async function timedRejection(promise: Promise<unknown>): Promise<{ err: Error & Record<string, unknown>; ms: number }> {
  const started = Date.now();
  try {
    const value = await promise;
    throw new Error(`expected a rejection, got ${inspect(value)}`);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith("expected a rejection")) throw err;
    return { err: err as Error & Record<string, unknown>, ms: Date.now() - started };
  }
}

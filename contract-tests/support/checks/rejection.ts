/** Capturing what a promise rejects with, to look at the error itself. */

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

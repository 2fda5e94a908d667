// The error a synchronous call throws, for tests of error messages.

/** The message of the error that `call` throws, after expecting it to be a `type`; fails if `call` throws nothing. */
export function thrownMessage(type: abstract new (...args: never[]) => Error, call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return (error as Error).message;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}

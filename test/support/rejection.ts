/** The error a promise rejects with, checked to be of the expected class, for tests that read its fields. */
import { expect } from 'vitest';

export async function rejection<E extends Error>(promise: Promise<unknown>, kind: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(kind);
    return err as E;
  }
  throw new Error(`expected a rejection with ${kind.name}`);
}

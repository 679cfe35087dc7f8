import { describe, expect, it } from 'vitest';
import { installPromiseWithResolvers } from '../../src/p2p/polyfill.js';

type WithResolvers = <T>() => { promise: PromiseLike<T>; resolve: (value: T) => void; reject: (reason?: unknown) => void };

// The workspace's TypeScript lib predates ES2024, so the global's method is reached through a cast.
const GlobalPromise = Promise as unknown as PromiseConstructor & { withResolvers?: WithResolvers };

// A promise-like constructor that has no withResolvers of its own (it does not extend Promise).
function freshConstructor() {
  return class Deferred<T> implements PromiseLike<T> {
    readonly inner: Promise<T>;
    constructor(executor: (resolve: (value: T | PromiseLike<T>) => void, reject: (reason?: unknown) => void) => void) {
      this.inner = new Promise<T>(executor);
    }
    then<A = T, B = never>(onFulfilled?: ((value: T) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): PromiseLike<A | B> {
      return this.inner.then(onFulfilled, onRejected);
    }
  };
}

describe('Promise.withResolvers polyfill', () => {
  it('is present on the global Promise once the module is loaded (Node 20 lacks it)', async () => {
    expect(typeof GlobalPromise.withResolvers).toBe('function');
    const { promise, resolve } = (GlobalPromise.withResolvers as WithResolvers).call(Promise) as unknown as { promise: Promise<number>; resolve: (value: number) => void };
    resolve(42);
    await expect(promise).resolves.toBe(42);
  });

  it('installs only when missing, with the attributes of a built-in method', () => {
    const Deferred = freshConstructor();
    expect('withResolvers' in Deferred).toBe(false);
    expect(installPromiseWithResolvers(Deferred)).toBe(true);
    const descriptor = Object.getOwnPropertyDescriptor(Deferred, 'withResolvers');
    expect(descriptor?.enumerable).toBe(false);
    expect(descriptor?.writable).toBe(true);
    expect(descriptor?.configurable).toBe(true);
    const installed = descriptor?.value as unknown;
    expect(installPromiseWithResolvers(Deferred)).toBe(false);
    expect(Object.getOwnPropertyDescriptor(Deferred, 'withResolvers')?.value).toBe(installed);
  });

  it('never replaces an existing implementation', () => {
    const existing = (): string => 'native';
    const target = { withResolvers: existing };
    expect(installPromiseWithResolvers(target)).toBe(false);
    expect(target.withResolvers).toBe(existing);
    expect(installPromiseWithResolvers(Promise)).toBe(false);
  });

  it('resolves and rejects the promise it returns, and builds instances of `this` (spec: NewPromiseCapability(C))', async () => {
    const Deferred = freshConstructor();
    installPromiseWithResolvers(Deferred);
    const withResolvers = (Deferred as unknown as { withResolvers: WithResolvers }).withResolvers;
    const ok = withResolvers.call(Deferred) as ReturnType<WithResolvers>;
    expect(ok.promise).toBeInstanceOf(Deferred);
    ok.resolve('yes');
    await expect(Promise.resolve(ok.promise)).resolves.toBe('yes');
    const bad = withResolvers.call(Deferred) as ReturnType<WithResolvers>;
    const reason = new Error('no');
    bad.reject(reason);
    await expect(Promise.resolve(bad.promise)).rejects.toBe(reason);

    class Sub<T> extends Promise<T> {}
    const sub = (GlobalPromise.withResolvers as WithResolvers).call(Sub);
    expect(sub.promise).toBeInstanceOf(Sub);
    sub.resolve(7);
    await expect(sub.promise).resolves.toBe(7);
  });

  it('throws TypeError when called on a non-constructor', () => {
    const Deferred = freshConstructor();
    installPromiseWithResolvers(Deferred);
    const withResolvers = (Deferred as unknown as { withResolvers: WithResolvers }).withResolvers;
    expect(() => withResolvers.call(42)).toThrow(TypeError);
    expect(() => withResolvers.call(undefined)).toThrow(TypeError);
  });
});

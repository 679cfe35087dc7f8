// Promise.withResolvers (ES2024) for Node 20. libp2p 3 calls it while upgrading inbound
// connections; without it the first inbound dial fails with "Promise.withResolvers is not a
// function". This module is the one place that installs it, and host.ts imports it first.
// It never replaces an existing implementation.

export interface PromiseWithResolversResult<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type PromiseLikeConstructor = new <T>(
  executor: (resolve: (value: T | PromiseLike<T>) => void, reject: (reason?: unknown) => void) => void,
) => Promise<T>;

// Per spec (27.2.4.8): NewPromiseCapability(this), so a subclass gets instances of itself.
function withResolvers<T>(this: PromiseLikeConstructor): PromiseWithResolversResult<T> {
  if (typeof this !== 'function') throw new TypeError('Promise.withResolvers called on a non-constructor');
  let resolve: ((value: T | PromiseLike<T>) => void) | undefined;
  let reject: ((reason?: unknown) => void) | undefined;
  const promise = new this<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  if (resolve === undefined || reject === undefined) throw new TypeError('Promise executor was not called synchronously');
  return { promise, resolve, reject };
}

/**
 * Installs `withResolvers` on `target` (the global Promise by default) when it has none.
 * Returns true when it installed, false when an implementation was already there.
 */
export function installPromiseWithResolvers(target: object = Promise): boolean {
  if (typeof (target as { withResolvers?: unknown }).withResolvers === 'function') return false;
  // Same attributes as built-in methods: writable, configurable, not enumerable.
  Object.defineProperty(target, 'withResolvers', { value: withResolvers, writable: true, configurable: true, enumerable: false });
  return true;
}

installPromiseWithResolvers();

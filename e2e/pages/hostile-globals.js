// What some real pages do before any library loads (run by the test as an init script, in every
// frame, before the page's own scripts): a fetch wrapper, enumerable Array.prototype extensions,
// and a Promise polyfill in place of the native one.
(() => {
  const nativePromise = window.Promise;
  window.__hostile = { fetchCalls: [], nativePromise };

  // A wrapper that sees every request the page makes with fetch, and refuses them all.
  window.fetch = function hostileFetch(input) {
    window.__hostile.fetchCalls.push(String(input && input.url ? input.url : input));
    return Promise.reject(new TypeError('fetch is disabled on this page'));
  };

  // Enumerable extensions, as old utility libraries add them: `for (k in array)` now also yields these names.
  Array.prototype.each = function each(fn) {
    for (let i = 0; i < this.length; i++) fn(this[i], i);
    return this;
  };
  Array.prototype.remove = function remove(value) {
    const at = this.indexOf(value);
    if (at >= 0) this.splice(at, 1);
    return this;
  };

  // A minimal Promises/A+ implementation scheduled with setTimeout, like the polyfills of old
  // bundles: a different constructor, slower ticks, no native internals.
  function PolyfillPromise(executor) {
    if (!(this instanceof PolyfillPromise)) throw new TypeError('Promise must be called with new');
    let state = 0;
    let value;
    const waiting = [];
    const run = (h) => {
      const callback = state === 1 ? h.onFulfilled : h.onRejected;
      if (typeof callback !== 'function') return (state === 1 ? h.resolve : h.reject)(value);
      try {
        h.resolve(callback(value));
      } catch (error) {
        h.reject(error);
      }
    };
    const settle = (s, v) => {
      if (state) return;
      state = s;
      value = v;
      setTimeout(() => waiting.splice(0).forEach(run), 0);
    };
    const resolve = (v) => {
      if (state) return;
      if (v === this) return settle(2, new TypeError('A promise cannot resolve to itself'));
      if (v && (typeof v === 'object' || typeof v === 'function')) {
        let then;
        try {
          then = v.then;
        } catch (error) {
          return settle(2, error);
        }
        if (typeof then === 'function') {
          let called = false;
          try {
            then.call(
              v,
              (x) => !called && ((called = true), resolve(x)),
              (e) => !called && ((called = true), settle(2, e)),
            );
          } catch (error) {
            if (!called) settle(2, error);
          }
          return;
        }
      }
      settle(1, v);
    };
    this.then = (onFulfilled, onRejected) =>
      new PolyfillPromise((res, rej) => {
        const h = { onFulfilled, onRejected, resolve: res, reject: rej };
        if (state) setTimeout(() => run(h), 0);
        else waiting.push(h);
      });
    try {
      executor(resolve, (e) => settle(2, e));
    } catch (error) {
      settle(2, error);
    }
  }
  PolyfillPromise.prototype.catch = function (onRejected) {
    return this.then(undefined, onRejected);
  };
  PolyfillPromise.prototype.finally = function (f) {
    return this.then(
      (v) => (f(), v),
      (e) => {
        f();
        throw e;
      },
    );
  };
  PolyfillPromise.resolve = (v) => (v instanceof PolyfillPromise ? v : new PolyfillPromise((r) => r(v)));
  PolyfillPromise.reject = (e) => new PolyfillPromise((_, r) => r(e));
  PolyfillPromise.all = (list) =>
    new PolyfillPromise((resolve, reject) => {
      const items = Array.from(list);
      const out = new Array(items.length);
      let done = 0;
      if (items.length === 0) resolve(out);
      items.forEach((x, i) => PolyfillPromise.resolve(x).then((v) => ((out[i] = v), ++done === items.length && resolve(out)), reject));
    });
  PolyfillPromise.race = (list) => new PolyfillPromise((resolve, reject) => Array.from(list).forEach((x) => PolyfillPromise.resolve(x).then(resolve, reject)));
  window.Promise = PolyfillPromise;
})();

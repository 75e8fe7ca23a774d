// Counts the requests this page makes and checks each one for the shopper's
// data. Method (also explained in the page): every resource the page loads is
// reported by a PerformanceObserver (Resource Timing); every body the page
// sends goes through fetch, XMLHttpRequest or sendBeacon, which are wrapped
// here to look at it. A request "carries user data" when its URL or body
// contains an item id the shopper interacted with or a search query they typed.
// The library's worker has its own timeline, invisible to the page: its
// downloads are listed from the library's own progress events, and the
// end-to-end test checks every request, the worker's included, from outside.

export function createNetworkMonitor({ onChange }) {
  const requests = []; // { url, kind, body? }
  const workerFiles = new Set();
  let tokens = [];

  const notify = () => onChange?.();
  const record = (url, kind, body) => {
    requests.push({ url: String(url), kind, body: typeof body === 'string' ? body : undefined });
    notify();
  };

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) record(entry.name, entry.initiatorType);
  }).observe({ type: 'resource', buffered: true });

  // Bodies: the resource entries above already count these requests; here we only keep what they sent.
  const bodies = [];
  const originalFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    if (init?.body !== undefined) bodies.push(String(init.body));
    return originalFetch(input, init);
  };
  const originalSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function send(body) {
    if (body != null) bodies.push(String(body));
    return originalSend.call(this, body);
  };
  if (navigator.sendBeacon) {
    const originalBeacon = navigator.sendBeacon.bind(navigator);
    navigator.sendBeacon = (url, data) => {
      if (data != null) bodies.push(String(data));
      return originalBeacon(url, data);
    };
  }

  const carries = (text) => {
    let decoded = text.toLowerCase();
    try {
      decoded = decodeURIComponent(text.replace(/\+/g, ' ')).toLowerCase();
    } catch {
      // not URI-encoded: compare as it is
    }
    return tokens.some((t) => decoded.includes(t));
  };

  return {
    /** The ids and queries of this session: what must never appear in a request. */
    setSensitive(values) {
      tokens = [...new Set(values.map((v) => String(v).toLowerCase()).filter((v) => v.length >= 3))];
      notify();
    },
    addWorkerFile(file) {
      if (!workerFiles.has(file)) {
        workerFiles.add(file);
        notify();
      }
    },
    snapshot() {
      const withData = requests.filter((r) => carries(r.url)).length + bodies.filter(carries).length;
      return { requests: [...requests], workerFiles: [...workerFiles], bodies: bodies.length, withData };
    },
  };
}

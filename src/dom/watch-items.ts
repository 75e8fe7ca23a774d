/**
 * Reports marked elements that the page adds after it loaded ("load more"
 * buttons, widgets rendering client-side). Elements inside slots are left out:
 * slots manage their own items.
 */
export function watchAddedItems(
  view: { MutationObserver?: typeof MutationObserver },
  root: Node,
  inSlot: (element: Element) => boolean,
  onAdded: (elements: Element[]) => void,
): () => void {
  if (typeof view.MutationObserver !== 'function') return () => undefined;
  const observer = new view.MutationObserver((records) => {
    const added = new Set<Element>();
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== 1) continue;
        const element = node as Element;
        if (element.matches('[data-lr-item]')) added.add(element);
        for (const inner of element.querySelectorAll('[data-lr-item]')) added.add(inner);
      }
    }
    const outside = [...added].filter((e) => e.isConnected && !inSlot(e));
    if (outside.length > 0) onAdded(outside);
  });
  observer.observe(root, { childList: true, subtree: true });
  return () => observer.disconnect();
}

import type { LocalRankEvents } from '../types.js';

type Listener<T> = (event: T) => void;

/** A typed event emitter; a throwing listener never breaks the others or the library. */
export class Emitter {
  private readonly listeners = new Map<keyof LocalRankEvents, Set<Listener<never>>>();

  on<K extends keyof LocalRankEvents>(type: K, listener: Listener<LocalRankEvents[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends keyof LocalRankEvents>(type: K, event: LocalRankEvents[K]): void {
    for (const listener of this.listeners.get(type) ?? []) {
      try {
        (listener as Listener<LocalRankEvents[K]>)(event);
      } catch (error) {
        setTimeout(() => {
          throw error; // surfaces in the console like any listener error, without stopping the loop
        });
      }
    }
  }
}

/**
 * The display's one store helper: a small external store read by React through
 * useSyncExternalStore (the display state in store.ts, the anatomy state in anatomy/controller.ts).
 */
import { useSyncExternalStore } from 'react';

export interface Store<S extends object> {
  get(): S;
  /** Replaces the fields in `patch` and tells every subscriber. */
  set(patch: Partial<S>): void;
  subscribe(listener: () => void): () => void;
  /** React hook: the selected part of the state; re-renders when it changes. */
  use<T>(select: (s: S) => T): T;
}

export function createStore<S extends object>(initial: S): Store<S> {
  let state = initial;
  const listeners = new Set<() => void>();
  const subscribe = (l: () => void) => {
    listeners.add(l);
    return () => void listeners.delete(l);
  };
  return {
    get: () => state,
    set(patch) {
      state = { ...state, ...patch };
      for (const l of listeners) l();
    },
    subscribe,
    use: (select) => useSyncExternalStore(subscribe, () => select(state)),
  };
}

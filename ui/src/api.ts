/** The explorer's JSON API as the pages use it, and the live change stream that tells them to refetch. */
import { useEffect, useState } from "preact/hooks";

/** A fetch's state. */
export type Loaded<T> =
  | { readonly state: "loading" }
  | { readonly state: "ok"; readonly data: T }
  | { readonly state: "error"; readonly status: number; readonly message: string };

/** GETs `/_lamina/api/<path>` (the cookie the token set rides along). */
export async function getJson<T>(path: string): Promise<Loaded<T>> {
  const res = await fetch(`/_lamina/api/${path}`, { credentials: "same-origin" });
  const body = (await res.json().catch(() => ({}))) as T & { message?: string };
  if (!res.ok) {
    return { state: "error", status: res.status, message: body.message ?? res.statusText };
  }
  return { state: "ok", data: body };
}

type Listener = (kind: string) => void;
const listeners = new Set<Listener>();
let source: EventSource | undefined;

/** Opens the change stream once; each change reaches every page listening. */
function connect(): void {
  if (source) {
    return;
  }
  source = new EventSource("/_lamina/api/events");
  source.addEventListener("change", (e) => {
    const kind = (JSON.parse((e as MessageEvent<string>).data) as { kind: string }).kind;
    for (const l of listeners) {
      l(kind);
    }
  });
}

/** A counter that moves on every change (coalesced over 100 ms): pages refetch when it moves. */
export function useChanges(): { tick: number; last: string } {
  const [state, setState] = useState({ tick: 0, last: "" });
  useEffect(() => {
    connect();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const listener: Listener = (kind) => {
      clearTimeout(timer);
      timer = setTimeout(() => setState((s) => ({ tick: s.tick + 1, last: kind })), 100);
    };
    listeners.add(listener);
    return () => {
      clearTimeout(timer);
      listeners.delete(listener);
    };
  }, []);
  return state;
}

/** Loads `path`, again on every change and whenever `path` changes; keeps showing the last data meanwhile. */
export function useApi<T>(path: string, tick: number): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading" });
  useEffect(() => {
    let current = true;
    void getJson<T>(path).then((l) => {
      if (current) {
        setLoaded(l);
      }
    });
    return () => {
      current = false;
    };
  }, [path, tick]);
  return loaded;
}

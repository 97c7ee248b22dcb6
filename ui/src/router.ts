/** Client-side routes under `/_lamina/ui/`: real links (keyboard and middle-click work), history navigation. */
import { useEffect, useState } from "preact/hooks";

export const BASE = "/_lamina/ui";

/** A page of the app. */
export type Route =
  | { readonly page: "overview" }
  | { readonly page: "layer"; readonly arn: string }
  | { readonly page: "function"; readonly arn: string }
  | { readonly page: "what-if"; readonly arn: string; readonly query: string }
  | { readonly page: "missing"; readonly path: string };

/** The route of a location. */
export function routeOf(pathname: string, search: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length).replace(/^\/+/, "") : pathname;
  const [kind, encoded] = rest.split("/");
  const arn = encoded === undefined ? "" : decodeURIComponent(encoded);
  if (rest === "") {
    return { page: "overview" };
  }
  if (kind === "layers" && arn !== "") {
    return { page: "layer", arn };
  }
  if (kind === "functions" && arn !== "") {
    return { page: "function", arn };
  }
  if (kind === "what-if" && arn !== "") {
    return { page: "what-if", arn, query: search };
  }
  return { page: "missing", path: pathname };
}

/** Page URLs. */
export const href = {
  overview: () => `${BASE}/`,
  layer: (arn: string) => `${BASE}/layers/${encodeURIComponent(arn)}`,
  fn: (arn: string) => `${BASE}/functions/${encodeURIComponent(arn)}`,
  revoke: (arn: string, sid: string) =>
    `${BASE}/what-if/${encodeURIComponent(arn)}?action=revoke&statementId=${encodeURIComponent(sid)}`,
  remove: (arn: string) => `${BASE}/what-if/${encodeURIComponent(arn)}?action=delete`,
};

/** The current route; in-app link clicks move it without a reload. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.pathname, location.search));
  useEffect(() => {
    const onPop = () => setRoute(routeOf(location.pathname, location.search));
    const onClick = (e: MouseEvent) => {
      const a = (e.target as Element | null)?.closest("a");
      if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
        return;
      }
      const url = new URL(a.href, location.href);
      if (url.origin !== location.origin || !url.pathname.startsWith(`${BASE}/`)) {
        return;
      }
      e.preventDefault();
      history.pushState(null, "", url.pathname + url.search);
      onPop();
      window.scrollTo(0, 0);
      // Focus moves to the new page's heading, so keyboard and screen-reader users land on it.
      requestAnimationFrame(() => document.querySelector<HTMLElement>("h1")?.focus());
    };
    addEventListener("popstate", onPop);
    document.addEventListener("click", onClick);
    return () => {
      removeEventListener("popstate", onPop);
      document.removeEventListener("click", onClick);
    };
  }, []);
  return route;
}

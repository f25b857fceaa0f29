// Hash routes, so the panel is a static page wherever it is served: #/projections, #/rebuilds,
// #/rebuilds/<id>, #/history, #/audit. The query string (e.g. ?runtime=) is left alone.
import { useEffect, useState } from "react";

export type Route =
  | { screen: "projections" }
  | { screen: "rebuilds" }
  | { screen: "rebuild"; rebuildId: string }
  | { screen: "history" }
  | { screen: "audit" };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case "rebuilds":
      return parts[1] ? { screen: "rebuild", rebuildId: parts[1] } : { screen: "rebuilds" };
    case "history":
      return { screen: "history" };
    case "audit":
      return { screen: "audit" };
    default:
      return { screen: "projections" };
  }
}

export function routeHref(route: Route): string {
  switch (route.screen) {
    case "rebuild":
      return `#/rebuilds/${encodeURIComponent(route.rebuildId)}`;
    default:
      return `#/${route.screen}`;
  }
}

export function rebuildHref(rebuildId: string): string {
  return routeHref({ screen: "rebuild", rebuildId });
}

export function navigate(route: Route): void {
  window.location.hash = routeHref(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return route;
}

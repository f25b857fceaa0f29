// The panel's banner: product name, navigation, backend and connection, identity.
import type { ReactNode } from "react";
import { backendDescription, type BackendConfig } from "../data/config.ts";
import type { Route } from "../routing.ts";

const NAV: { screen: Route["screen"]; href: string; label: string }[] = [
  { screen: "projections", href: "#/projections", label: "Projections" },
  { screen: "rebuilds", href: "#/rebuilds", label: "Active rebuilds" },
  { screen: "history", href: "#/history", label: "History" },
  { screen: "audit", href: "#/audit", label: "Audit log" },
];

export function TopBar({
  config,
  route,
  status,
  identity,
  activeCount,
}: {
  config: BackendConfig;
  route: Route | null;
  /** The connection indicator, once there is a backend. */
  status?: ReactNode;
  identity?: ReactNode;
  /** Shown next to "Active rebuilds". */
  activeCount?: ReactNode;
}) {
  const current = route?.screen === "rebuild" ? "rebuilds" : route?.screen;
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <div className="brand">
          <svg className="brand-mark" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M4 12a8 8 0 0 1 13.7-5.6M20 12a8 8 0 0 1-13.7 5.6" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" />
            <path d="M18.5 2.8v4.1h-4.1M5.5 21.2v-4.1h4.1" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <h1>Reproject</h1>
        </div>
        {route && (
          <nav aria-label="Main" className="nav">
            {NAV.map((item) => (
              <a key={item.screen} href={item.href} className="nav-link" aria-current={current === item.screen ? "page" : undefined}>
                {item.label}
                {item.screen === "rebuilds" && activeCount}
              </a>
            ))}
          </nav>
        )}
        <div className="topbar-meta">
          <span className="backend-line">
            {status}
            <span className="backend" aria-label="Backend">
              {backendDescription(config)}
            </span>
          </span>
          {identity}
        </div>
      </div>
    </header>
  );
}

// The panel: sign-in first (or not), then the screens over one backend for the session.
import { useState } from "react";
import { BackendProvider } from "./data/BackendProvider.tsx";
import { backendConfig } from "./data/config.ts";
import { loadSession, saveSession, type Session } from "./data/session.ts";
import { useRoute, type Route } from "./routing.ts";
import { ActiveCount } from "./components/ActiveCount.tsx";
import { ConnectionBanner, ConnectionIndicator } from "./components/ConnectionIndicator.tsx";
import { IdentityMenu } from "./components/IdentityMenu.tsx";
import { TopBar } from "./components/TopBar.tsx";
import { ActiveRebuildsScreen } from "./screens/ActiveRebuildsScreen.tsx";
import { AuditLogScreen } from "./screens/AuditLogScreen.tsx";
import { HistoryScreen } from "./screens/HistoryScreen.tsx";
import { ProjectionsScreen } from "./screens/ProjectionsScreen.tsx";
import { RebuildDetailScreen } from "./screens/RebuildDetailScreen.tsx";
import { SignInScreen } from "./screens/SignInScreen.tsx";

const config = backendConfig();

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession(config));
  const route = useRoute();
  const changeSession = (next: Session | null) => {
    saveSession(config, next);
    setSession(next);
  };

  if (!session) {
    return (
      <div className="app">
        <TopBar config={config} route={null} />
        <main id="main" className="main">
          <SignInScreen config={config} onSignIn={changeSession} />
        </main>
      </div>
    );
  }
  return (
    <BackendProvider config={config} session={session}>
      <div className="app">
        <a className="skip-link" href="#main" onClick={(event) => {
          event.preventDefault();
          document.getElementById("main")?.focus();
        }}>
          Skip to content
        </a>
        <TopBar
          config={config}
          route={route}
          status={<ConnectionIndicator />}
          activeCount={<ActiveCount />}
          identity={<IdentityMenu session={session} onSwitch={() => changeSession(null)} />}
        />
        <ConnectionBanner />
        <main id="main" className="main" tabIndex={-1}>
          <Screen route={route} />
        </main>
      </div>
    </BackendProvider>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case "projections":
      return <ProjectionsScreen />;
    case "rebuilds":
      return <ActiveRebuildsScreen />;
    case "rebuild":
      return <RebuildDetailScreen key={route.rebuildId} rebuildId={route.rebuildId} />;
    case "history":
      return <HistoryScreen />;
    case "audit":
      return <AuditLogScreen />;
  }
}

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import "./styles.css";

// Against a deployment, plug an auth provider in here (see data/deployment-auth.ts):
// registerTokenProvider({ label: "…", fetchToken: async ({ forceRefreshToken }) => … });

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

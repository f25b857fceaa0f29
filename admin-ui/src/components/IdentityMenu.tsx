// Who the panel acts as, what the backend made of it, and a way to switch.
import { useAuthStatus } from "../data/hooks.ts";
import { sessionLabel, type Session } from "../data/session.ts";

const AUTH_NOTES = {
  anonymous: "no identity",
  claimed: "dev identity",
  checking: "checking token…",
  accepted: "token accepted",
  refused: "token refused by the deployment",
} as const;

export function IdentityMenu({ session, onSwitch }: { session: Session; onSwitch: () => void }) {
  const auth = useAuthStatus();
  const role = session.kind === "dev-identity" ? session.identity.role : undefined;
  return (
    <div className="identity" data-auth={auth}>
      <span className="identity-text">
        <span className="identity-name" aria-label="Signed in as">
          {sessionLabel(session)}
        </span>
        <span className="identity-note">{role ? `role ${role}` : AUTH_NOTES[auth]}</span>
      </span>
      <button type="button" className="button button-small button-ghost" onClick={onSwitch}>
        {session.kind === "anonymous" ? "Sign in" : "Switch identity"}
      </button>
    </div>
  );
}

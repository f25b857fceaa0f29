// Choosing who the panel acts as. Local runtime: a development identity (prefilled with the
// configured dev admin), sent as an unsigned token. Deployment: the registered auth provider, or
// an ID token pasted from a provider the deployment trusts.
import { useState } from "react";
import { devAdminIdentity, type BackendConfig } from "../data/config.ts";
import { tokenProvider } from "../data/deployment-auth.ts";
import type { Session } from "../data/session.ts";

export function SignInScreen({ config, onSignIn }: { config: BackendConfig; onSignIn: (session: Session) => void }) {
  return (
    <section className="sign-in" aria-labelledby="sign-in-heading">
      <div className="card sign-in-card">
        <h2 id="sign-in-heading">Sign in</h2>
        {config.kind === "local" ? <DevIdentityForm onSignIn={onSignIn} /> : <DeploymentSignIn onSignIn={onSignIn} />}
        <div className="sign-in-footer">
          <button type="button" className="button-link" onClick={() => onSignIn({ kind: "anonymous" })}>
            Continue without signing in
          </button>
          <span className="muted"> (admin functions will refuse)</span>
        </div>
      </div>
    </section>
  );
}

function DevIdentityForm({ onSignIn }: { onSignIn: (session: Session) => void }) {
  const defaults = devAdminIdentity();
  const [subject, setSubject] = useState(defaults.subject);
  const [name, setName] = useState(defaults.name ?? "");
  const [role, setRole] = useState(defaults.role ?? "");
  return (
    <form
      className="form-grid"
      onSubmit={(event) => {
        event.preventDefault();
        onSignIn({
          kind: "dev-identity",
          identity: { subject: subject.trim(), ...(name.trim() ? { name: name.trim() } : {}), ...(role.trim() ? { role: role.trim() } : {}) },
        });
      }}
    >
      <p className="lede">
        The local runtime takes the identity you enter as it is (it listens on loopback only and checks no signature). Admin
        functions need the admin role.
      </p>
      <div className="field">
        <label htmlFor="sign-in-subject">Subject</label>
        <input id="sign-in-subject" className="input" value={subject} required spellCheck={false} autoComplete="username" onChange={(e) => setSubject(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="sign-in-name">Display name</label>
        <input id="sign-in-name" className="input" value={name} autoComplete="name" onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="sign-in-role">Role</label>
        <input id="sign-in-role" className="input" list="sign-in-roles" value={role} spellCheck={false} aria-describedby="sign-in-role-hint" onChange={(e) => setRole(e.target.value)} />
        <datalist id="sign-in-roles">
          <option value="admin" />
          <option value="viewer" />
        </datalist>
        <p id="sign-in-role-hint" className="field-hint">
          “admin” unless the runtime sets REPROJECT_ADMIN_ROLE; any other role shows the refusals.
        </p>
      </div>
      <button type="submit" className="button button-primary button-block">
        Sign in
      </button>
    </form>
  );
}

function DeploymentSignIn({ onSignIn }: { onSignIn: (session: Session) => void }) {
  const provider = tokenProvider();
  const [token, setToken] = useState("");
  return (
    <div className="form-grid">
      <p className="lede">You are not signed in. The deployment accepts identity tokens from the providers its auth config trusts.</p>
      {provider && (
        <button type="button" className="button button-primary button-block" onClick={() => onSignIn({ kind: "provider" })}>
          Sign in with {provider.label}
        </button>
      )}
      <form
        className="form-grid"
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim()) onSignIn({ kind: "token", token: token.trim() });
        }}
      >
        <div className="field">
          <label htmlFor="sign-in-token">ID token (JWT)</label>
          <textarea id="sign-in-token" className="input textarea" rows={4} value={token} spellCheck={false} onChange={(e) => setToken(e.target.value)} />
          <p className="field-hint">Kept for this tab only. See admin-ui/README.md to plug an auth provider in instead.</p>
        </div>
        <button type="submit" className={`button button-block ${provider ? "" : "button-primary"}`}>
          Sign in with this token
        </button>
      </form>
    </div>
  );
}

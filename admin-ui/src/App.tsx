import { backendDescription } from "./backend.ts";

export function App() {
  const backend = backendDescription();
  return (
    <div className="shell">
      <header className="topbar">
        <h1>Reproject</h1>
        <span className="backend" aria-label="Backend">
          {backend}
        </span>
      </header>
      <main>
        <section aria-labelledby="projections-heading" className="panel">
          <h2 id="projections-heading">Projections</h2>
          <p role="status">Waiting for the backend at {backend}.</p>
        </section>
      </main>
    </div>
  );
}

// Why a rebuild stopped: the reason, and the exact event (id, position, type) or archive file.
import type { RebuildStatus } from "../data/api-types.ts";
import { Fact, Facts } from "./Facts.tsx";
import { Timestamp } from "./Timestamp.tsx";

export function FailureDetails({ error, state }: { error: NonNullable<RebuildStatus["lastError"]>; state: RebuildStatus["state"] }) {
  return (
    <section className="card failure" aria-labelledby="failure-heading" data-tone={state === "failed" ? "failed" : "cancelled"}>
      <h3 id="failure-heading">{state === "failed" ? "Why it failed" : "Last error"}</h3>
      <p className="failure-reason" data-testid="failure-reason">
        {error.message}
      </p>
      <Facts>
        {error.eventId !== undefined && (
          <Fact label="Event id">
            <code>{error.eventId}</code>
          </Fact>
        )}
        {error.position !== undefined && (
          <Fact label="Position">
            <span className="num">{error.position}</span>
          </Fact>
        )}
        {error.eventType !== undefined && <Fact label="Event type">{error.eventType}</Fact>}
        {error.file !== undefined && (
          <Fact label="File">
            <code className="wrap">{error.file}</code>
          </Fact>
        )}
        <Fact label="At">
          <Timestamp ms={error.at} />
        </Fact>
      </Facts>
    </section>
  );
}

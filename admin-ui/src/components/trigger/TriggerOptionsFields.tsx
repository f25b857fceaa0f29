// The trigger dialog's options: projection, rebuild or verify run (and whether to keep the shadow),
// filter (time range, event types, attributes), target, dry run, rate limit, lanes, error policy
// (fail, dead-letter, or dead-letter-key, which parks the keys of a dead-lettered event). A verify
// run compares whole read models, so the filter, target and dry run are disabled with it.
import type { ProjectionInfo, ProjectionLanes } from "../../data/api-types.ts";
import { AttributeRows } from "./AttributeRows.tsx";
import { initialForm, isFiltered, type ErrorPolicy, type TriggerForm } from "./trigger-form.ts";

const ERROR_POLICIES: { policy: ErrorPolicy; label: string }[] = [
  { policy: "fail", label: "Fail at the first bad event" },
  { policy: "dead-letter", label: "Dead-letter bad events and go on" },
  { policy: "dead-letter-key", label: "Dead-letter bad events and park their keys" },
];

export function TriggerOptionsFields({
  form,
  onChange,
  projections,
}: {
  form: TriggerForm;
  onChange: (form: TriggerForm) => void;
  /** null when the list could not be loaded: the projection and its types are typed in. */
  projections: ProjectionInfo[] | null;
}) {
  const set = <K extends keyof TriggerForm>(key: K, value: TriggerForm[K]) => onChange({ ...form, [key]: value });
  const selected = projections?.find((projection) => projection.name === form.projection) ?? null;
  const knownTypes = projections ? (selected?.eventTypes ?? []) : null;
  const verify = form.mode === "verify";
  const filtered = !verify && isFiltered(form, knownTypes);

  return (
    <div className="form-grid">
      <div className="field">
        <label htmlFor="trigger-projection">Projection</label>
        {projections ? (
          <select
            id="trigger-projection"
            className="input"
            value={form.projection}
            onChange={(event) => {
              const next = projections.find((projection) => projection.name === event.target.value);
              onChange({
                ...initialForm(event.target.value, next?.eventTypes ?? [], next?.lanes ?? null),
                dryRun: form.dryRun,
                errorPolicy: form.errorPolicy,
                mode: form.mode,
                keepShadow: form.keepShadow,
              });
            }}
          >
            {projections
              .filter((projection) => !projection.removed)
              .map((projection) => (
                <option key={projection.name} value={projection.name}>
                  {projection.name}
                </option>
              ))}
          </select>
        ) : (
          <input
            id="trigger-projection"
            className="input"
            value={form.projection}
            required
            spellCheck={false}
            onChange={(event) => set("projection", event.target.value)}
          />
        )}
      </div>

      <fieldset className="fieldset">
        <legend>What to run</legend>
        <div className="mode-choice">
          <label className="mode-option" data-selected={!verify || undefined}>
            <input
              type="radio"
              name="trigger-mode"
              checked={!verify}
              onChange={() => set("mode", "rebuild")}
              aria-labelledby="mode-rebuild-title"
              aria-describedby="mode-rebuild-hint"
            />
            <span className="mode-text">
              <span id="mode-rebuild-title" className="mode-title">
                Rebuild
              </span>
              <span id="mode-rebuild-hint" className="field-hint">
                Replay into a new generation; it serves queries once complete.
              </span>
            </span>
          </label>
          <label className="mode-option" data-selected={verify || undefined}>
            <input
              type="radio"
              name="trigger-mode"
              checked={verify}
              onChange={() => set("mode", "verify")}
              aria-labelledby="mode-verify-title"
              aria-describedby="mode-verify-hint"
            />
            <span className="mode-text">
              <span id="mode-verify-title" className="mode-title">
                Verify (compare, don’t swap)
              </span>
              <span id="mode-verify-hint" className="field-hint">
                Rebuild into a shadow generation and report how it differs from the active one, document by document.
              </span>
            </span>
          </label>
        </div>
        {verify && (
          <div className="field field-check-inline">
            <label className="check">
              <input
                type="checkbox"
                checked={form.keepShadow}
                onChange={(event) => set("keepShadow", event.target.checked)}
                aria-describedby="trigger-keep-hint"
              />
              Keep the shadow for promotion
            </label>
            <p id="trigger-keep-hint" className="field-hint">
              Live events keep it current until you promote it (it becomes the active generation) or discard it.
              Otherwise it is deleted once compared.
            </p>
          </div>
        )}
      </fieldset>

      <fieldset className="fieldset" disabled={verify} aria-describedby="trigger-filter-hint">
        <legend>Filter</legend>
        <p id="trigger-filter-hint" className="field-hint" data-disabled-reason={verify || undefined}>
          {verify
            ? "Not with a verify run: it replays every event, so that whole read models can be compared."
            : "Leave everything open for a full rebuild. A filtered replay writes to its own target."}
        </p>
        <div className="field-pair">
          <UtcTimeField
            id="trigger-from"
            label="From (UTC, inclusive)"
            value={form.fromUtc}
            onChange={(value) => set("fromUtc", value)}
          />
          <UtcTimeField
            id="trigger-to"
            label="Until (UTC, exclusive)"
            value={form.toUtc}
            onChange={(value) => set("toUtc", value)}
          />
        </div>
        {knownTypes ? (
          <fieldset className="fieldset-inner">
            <legend>Event types</legend>
            <div className="checkbox-row">
              {knownTypes.map((type) => (
                <label key={type} className="check">
                  <input
                    type="checkbox"
                    checked={form.eventTypes.includes(type)}
                    onChange={(event) =>
                      set(
                        "eventTypes",
                        event.target.checked
                          ? [...form.eventTypes, type]
                          : form.eventTypes.filter((kept) => kept !== type),
                      )
                    }
                  />
                  {type}
                </label>
              ))}
            </div>
          </fieldset>
        ) : (
          <div className="field">
            <label htmlFor="trigger-types">Event types (comma-separated, empty for all)</label>
            <input
              id="trigger-types"
              className="input"
              value={form.eventTypesText}
              onChange={(event) => set("eventTypesText", event.target.value)}
            />
          </div>
        )}
        <fieldset className="fieldset-inner">
          <legend>Attributes</legend>
          <AttributeRows rows={form.attributes} onChange={(rows) => set("attributes", rows)} />
        </fieldset>
      </fieldset>

      <div className="field">
        <label htmlFor="trigger-target">Target name</label>
        <input
          id="trigger-target"
          className="input"
          value={verify ? "" : form.target}
          disabled={!filtered}
          placeholder={
            verify ? "not with a verify run" : filtered ? "filtered-<time> when empty" : "only for filtered replays"
          }
          spellCheck={false}
          aria-describedby="trigger-target-hint"
          onChange={(event) => set("target", event.target.value)}
        />
        <p id="trigger-target-hint" className="field-hint" data-disabled-reason={verify || undefined}>
          {verify
            ? "Not with a verify run: it writes to a shadow generation of its own."
            : "The generation a filtered replay writes to, for inspection or backfill. It never replaces the active read model."}
        </p>
      </div>

      <div className="field-pair">
        <div className="field">
          <label htmlFor="trigger-rate">Rate limit (events/s)</label>
          <input
            id="trigger-rate"
            className="input num"
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            placeholder="no limit"
            value={form.rateLimit}
            onChange={(event) => set("rateLimit", event.target.value)}
          />
        </div>
        <div className="field field-check">
          <label className="check" data-disabled={verify || undefined}>
            <input
              type="checkbox"
              checked={form.dryRun && !verify}
              disabled={verify}
              aria-describedby="trigger-dry-run-hint"
              onChange={(event) => set("dryRun", event.target.checked)}
            />
            Dry run
          </label>
          <p id="trigger-dry-run-hint" className="field-hint" data-disabled-reason={verify || undefined}>
            {verify
              ? "Not with a verify run: the shadow must be written to be compared."
              : "Validate and count every event through the handlers; write nothing."}
          </p>
        </div>
      </div>

      <LanesField form={form} onChange={onChange} lanes={selected?.lanes ?? null} known={projections !== null} />

      <fieldset className="fieldset">
        <legend>When an event is malformed or a handler throws</legend>
        <div className="radio-stack">
          {ERROR_POLICIES.map(({ policy, label }) => (
            <label key={policy} className="check">
              <input
                type="radio"
                name="error-policy"
                checked={form.errorPolicy === policy}
                {...(policy === "dead-letter-key" ? { "aria-describedby": "error-policy-key-hint" } : {})}
                onChange={() => set("errorPolicy", policy)}
              />
              {label}
            </label>
          ))}
          <p id="error-policy-key-hint" className="field-hint">
            Every later event of a dead-lettered event’s documents is set aside too, so they can be re-driven in order
            after a fix. Needs a prefetch on every handler of the projection.
          </p>
        </div>
      </fieldset>
    </div>
  );
}

/** A `datetime-local` input whose value is read as UTC. */
function UtcTimeField({
  id,
  label,
  value,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="input"
        type="datetime-local"
        step={1}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

/** Lanes for a projection with a lane key; disabled, saying why, for one without (or when the projection is not known). */
function LanesField({
  form,
  onChange,
  lanes,
  known,
}: {
  form: TriggerForm;
  onChange: (form: TriggerForm) => void;
  lanes: ProjectionLanes | null;
  known: boolean;
}) {
  return (
    <div className="field field-lanes">
      <label htmlFor="trigger-lanes">Lanes</label>
      <input
        id="trigger-lanes"
        className="input num"
        type="number"
        min={1}
        max={lanes?.maxCount}
        step={1}
        inputMode="numeric"
        value={lanes ? form.lanes : "1"}
        disabled={!lanes}
        aria-describedby="trigger-lanes-hint"
        onChange={(event) => onChange({ ...form, lanes: event.target.value })}
      />
      <p id="trigger-lanes-hint" className="field-hint" data-disabled-reason={!lanes || undefined}>
        {lanes
          ? `Parallel chains for the archive phase, split by the projection’s lane key: 1 to ${lanes.maxCount}, default ${lanes.defaultCount}. The replay pool runs REPROJECT_REPLAY_PARALLELISM chunks at once (3 unless set).`
          : known
            ? `${form.projection} declares no lane key, so nothing says which events may be folded apart: it rebuilds as one chain.`
            : "Not known while the projection list cannot be loaded: the rebuild runs in the projection’s default lanes."}
      </p>
    </div>
  );
}

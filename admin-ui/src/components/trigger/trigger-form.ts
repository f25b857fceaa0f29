// The trigger dialog's form state and how it becomes the trigger mutation's options.
import type { ProjectionLanes, RebuildFilter, RebuildOptions } from "../../data/api-types.ts";
import { utcInputToMs } from "../../format.ts";

/** `dead-letter-key` also parks every later event of a dead-lettered event's keys, for a re-drive after the fix. */
export type ErrorPolicy = NonNullable<RebuildOptions["errorPolicy"]>;

export interface AttributeRow {
  id: number;
  key: string;
  value: string;
}

export interface TriggerForm {
  projection: string;
  /** `datetime-local` values, read as UTC. */
  fromUtc: string;
  toUtc: string;
  /** The projection's types that stay in; all of them means no type filter. */
  eventTypes: string[];
  /** When the projection's types are not known (its list could not be loaded): comma-separated. */
  eventTypesText: string;
  attributes: AttributeRow[];
  target: string;
  dryRun: boolean;
  rateLimit: string;
  errorPolicy: ErrorPolicy;
  /** `verify`: rebuild into a shadow generation and compare it with the active one; nothing is swapped. */
  mode: "rebuild" | "verify";
  /** Verify only: keep the shadow for promotion (or discarding) instead of deleting it once compared. */
  keepShadow: boolean;
  /** Lanes of the archive phase; only for a projection that declares a lane key (its default count to start with). */
  lanes: string;
}

export function initialForm(
  projection: string,
  eventTypes: readonly string[],
  lanes: ProjectionLanes | null,
): TriggerForm {
  return {
    projection,
    fromUtc: "",
    toUtc: "",
    eventTypes: [...eventTypes],
    eventTypesText: "",
    attributes: [],
    target: "",
    dryRun: false,
    rateLimit: "",
    errorPolicy: "fail",
    mode: "rebuild",
    keepShadow: false,
    lanes: lanes ? String(lanes.defaultCount) : "",
  };
}

export type Built = { ok: true; options: RebuildOptions } | { ok: false; problems: string[] };

/**
 * The options to send, or what must be fixed first (the backend checks again and says why it rejects).
 * A verify run compares whole read models: the filter, target and dry run (disabled in the dialog)
 * are left out, whatever the form still holds for when the operator switches back. `lanes`: the
 * projection's (null when it declares no lane key or is not known: no lanes are sent).
 */
export function buildOptions(
  form: TriggerForm,
  knownTypes: readonly string[] | null,
  lanes: ProjectionLanes | null,
): Built {
  if (form.mode === "verify") {
    const problems: string[] = [];
    const options: RebuildOptions = { mode: "verify", ...(form.keepShadow ? { keepShadow: true } : {}) };
    addRunOptions(form, lanes, options, problems);
    return problems.length > 0 ? { ok: false, problems } : { ok: true, options };
  }
  const problems: string[] = [];
  const filter: RebuildFilter = {};
  const fromMs = utcInputToMs(form.fromUtc);
  const toMs = utcInputToMs(form.toUtc);
  if (form.fromUtc && fromMs === undefined) problems.push("The start of the time range is not a date and time.");
  if (form.toUtc && toMs === undefined) problems.push("The end of the time range is not a date and time.");
  if (fromMs !== undefined) filter.fromMs = fromMs;
  if (toMs !== undefined) filter.toMs = toMs;

  if (knownTypes) {
    if (form.eventTypes.length === 0) problems.push("Choose at least one event type.");
    else if (form.eventTypes.length < knownTypes.length)
      filter.eventTypes = knownTypes.filter((type) => form.eventTypes.includes(type));
  } else {
    const typed = splitList(form.eventTypesText);
    if (typed.length > 0) filter.eventTypes = typed;
  }

  const attributes: Record<string, string[]> = {};
  for (const row of form.attributes) {
    const key = row.key.trim();
    const values = splitList(row.value);
    if (!key && values.length === 0) continue;
    if (!key || values.length === 0) {
      problems.push(`Attribute row “${key || "?"} = ${row.value.trim() || "?"}” needs both a name and a value.`);
      continue;
    }
    attributes[key] = [...new Set([...(attributes[key] ?? []), ...values])];
  }
  if (Object.keys(attributes).length > 0) filter.attributes = attributes;

  const options: RebuildOptions = {};
  if (Object.keys(filter).length > 0) options.filter = filter;
  // The target field only applies (and is only enabled) when there is a filter.
  if (form.target.trim() && options.filter) options.target = form.target.trim();
  if (form.dryRun) options.dryRun = true;
  addRunOptions(form, lanes, options, problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, options };
}

/** Rate limit, error policy and lanes: the same for rebuilds and verify runs. */
function addRunOptions(
  form: TriggerForm,
  lanes: ProjectionLanes | null,
  options: RebuildOptions,
  problems: string[],
): void {
  if (form.rateLimit.trim()) {
    const rate = Number(form.rateLimit);
    if (!Number.isFinite(rate)) problems.push("The rate limit is not a number of events per second.");
    else options.rateLimit = rate;
  }
  if (form.errorPolicy !== "fail") options.errorPolicy = form.errorPolicy;
  if (!lanes) return;
  const count = form.lanes.trim();
  if (!/^\d+$/.test(count) || Number(count) < 1 || Number(count) > lanes.maxCount)
    problems.push(`Lanes must be a whole number from 1 to ${lanes.maxCount}.`);
  // The projection's default is what the backend runs anyway: only another count is sent.
  else if (Number(count) !== lanes.defaultCount) options.lanes = Number(count);
}

export function isFiltered(form: TriggerForm, knownTypes: readonly string[] | null): boolean {
  const built = buildOptions({ ...form, target: "", mode: "rebuild" }, knownTypes, null);
  return built.ok ? built.options.filter !== undefined : true;
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

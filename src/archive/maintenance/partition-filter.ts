// A partition named on a command line or in an action's arguments: `day=2025-01-10` (the table's
// `day`-transformed field), or `<partition field>=<value>`, e.g. `occurred_at_day=2025-01-10`.
import { ArchiveError } from "../errors.ts";
import type { PartitionSpec } from "../metadata.ts";
import type { PartitionValues } from "../writer/partitioning.ts";

const MS_PER_DAY = 86_400_000;

export function parsePartitionFilter(spec: PartitionSpec, text: string): PartitionValues {
  const match = /^([^=]+)=(.*)$/.exec(text.trim());
  const known = spec.fields.map((field) => `${field.name} (${field.transform})`).join(", ") || "none: the table is unpartitioned";
  if (!match) throw new ArchiveError(undefined, `partition "${text}" should be NAME=VALUE, e.g. day=2025-01-10; the table's partition fields: ${known}`);
  const [, name, value] = match as unknown as [string, string, string];
  const byName = spec.fields.find((field) => field.name === name);
  const byTransform = spec.fields.filter((field) => field.transform === name);
  const field = byName ?? (byTransform.length === 1 ? byTransform[0] : undefined);
  if (!field) throw new ArchiveError(undefined, `partition "${text}": the table has no partition field "${name}"; its partition fields: ${known}`);
  if (field.transform !== "day") throw new ArchiveError(undefined, `partition "${text}": only day partitions can be named (field ${field.name} is ${field.transform})`);
  if (value === "null") return { [field.name]: null };
  if (/^-?\d+$/.test(value)) return { [field.name]: Number(value) };
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms)) throw new ArchiveError(undefined, `partition "${text}": a day is written YYYY-MM-DD, got "${value}"`);
  return { [field.name]: Math.floor(ms / MS_PER_DAY) };
}

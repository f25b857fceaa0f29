// What a verify run keeps of one difference: its key, its kind, the changed fields and a bounded
// preview of each side, never whole documents. The samples live in the rebuild's document (1 MiB
// at most) and one read-model document may weigh 1 MiB by itself.
import type { Difference } from "./read-model-diff.ts";

/** A value longer than this as JSON is kept as a string of its first characters, ending in "…". */
export const SAMPLE_VALUE_CHARS = 200;
/** Fields of one side are kept while their names and values add up to at most this many characters. */
export const SAMPLE_SIDE_CHARS = 2_000;
/** Changed field names are listed while they add up to at most this many characters. */
export const SAMPLE_FIELD_NAMES_CHARS = 1_000;
export const SAMPLE_KEY_CHARS = 256;

/** What one sample may weigh stored: its characters at 3 UTF-8 bytes each at most, and the fields' framing. */
export const SAMPLE_MAX_BYTES = 3 * (SAMPLE_KEY_CHARS + SAMPLE_FIELD_NAMES_CHARS + 2 * SAMPLE_SIDE_CHARS) + 1_024;

export interface DiffSample {
  key: string;
  kind: Difference["kind"];
  fields?: string[];
  active?: Record<string, unknown>;
  shadow?: Record<string, unknown>;
  /** Set when a value, a field, a field name or the key was cut to stay within the bounds. */
  truncated?: boolean;
}

export function diffSample(difference: Difference): DiffSample {
  let truncated = false;
  const cut = (text: string, chars: number) => {
    if (text.length <= chars) return text;
    truncated = true;
    return `${text.slice(0, chars - 1)}…`;
  };
  const preview = (document: Record<string, unknown>, first: readonly string[] = []) => {
    const names = [...new Set([...first, ...Object.keys(document).sort()])];
    const kept: Record<string, unknown> = {};
    let chars = 0;
    for (const name of names) {
      const json = JSON.stringify(document[name]);
      if (json === undefined) continue;
      const value = json.length <= SAMPLE_VALUE_CHARS ? document[name] : cut(json, SAMPLE_VALUE_CHARS);
      chars += name.length + Math.min(json.length, SAMPLE_VALUE_CHARS);
      if (chars > SAMPLE_SIDE_CHARS) {
        truncated = true;
        break;
      }
      kept[name] = value;
    }
    return kept;
  };
  const sample: DiffSample = { key: cut(difference.key, SAMPLE_KEY_CHARS), kind: difference.kind };
  if (difference.kind === "changed") {
    const fields: string[] = [];
    let chars = 0;
    for (const field of difference.fields) {
      chars += field.length;
      if (chars > SAMPLE_FIELD_NAMES_CHARS) {
        truncated = true;
        break;
      }
      fields.push(field);
    }
    sample.fields = fields;
    sample.active = preview(difference.active, fields);
    sample.shadow = preview(difference.shadow, fields);
  } else if (difference.kind === "only_in_active") sample.active = preview(difference.active);
  else sample.shadow = preview(difference.shadow);
  return truncated ? { ...sample, truncated } : sample;
}

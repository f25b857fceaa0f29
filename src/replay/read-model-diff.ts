// Comparing two generations of a read model document by document, in key order, one window at a
// time: each side's page is read up to a boundary key both pages cover, so a window never claims a
// document missing that is simply on the other side's next page.

export type StoredDocument = { key: string; fields: Record<string, unknown> };

export type Difference =
  | { key: string; kind: "only_in_active"; active: Record<string, unknown> }
  | { key: string; kind: "only_in_shadow"; shadow: Record<string, unknown> }
  | {
      key: string;
      kind: "changed";
      fields: string[];
      active: Record<string, unknown>;
      shadow: Record<string, unknown>;
    };

export interface DiffWindow {
  differences: Difference[];
  /** Documents compared (present on both sides or one). */
  compared: number;
  /** The last key this window covered; null when there was nothing to compare. */
  lastKey: string | null;
  /** True when both sides are exhausted. */
  done: boolean;
}

/**
 * Diffs one window. `active` and `shadow` are consecutive pages in key order after the same cursor;
 * `activeFull`/`shadowFull` say whether a page was cut at its size (more may follow).
 */
export function diffWindow(
  active: StoredDocument[],
  activeFull: boolean,
  shadow: StoredDocument[],
  shadowFull: boolean,
  ignoredFields: ReadonlySet<string>,
): DiffWindow {
  const activeEnd = activeFull ? active.at(-1)?.key : undefined;
  const shadowEnd = shadowFull ? shadow.at(-1)?.key : undefined;
  const boundary = [activeEnd, shadowEnd].filter((key): key is string => key !== undefined).sort()[0];
  const within = (document: StoredDocument) => boundary === undefined || document.key <= boundary;
  const left = active.filter(within);
  const right = shadow.filter(within);
  const differences: Difference[] = [];
  let i = 0;
  let j = 0;
  let compared = 0;
  while (i < left.length || j < right.length) {
    compared++;
    const a = left[i];
    const b = right[j];
    if (b === undefined || (a !== undefined && a.key < b.key)) {
      differences.push({ key: a!.key, kind: "only_in_active", active: a!.fields });
      i++;
    } else if (a === undefined || b.key < a.key) {
      differences.push({ key: b.key, kind: "only_in_shadow", shadow: b.fields });
      j++;
    } else {
      const fields = changedFields(a.fields, b.fields, ignoredFields);
      if (fields.length > 0)
        differences.push({ key: a.key, kind: "changed", fields, active: a.fields, shadow: b.fields });
      i++;
      j++;
    }
  }
  const lastKey =
    [left.at(-1)?.key, right.at(-1)?.key]
      .filter((key): key is string => key !== undefined)
      .sort()
      .at(-1) ?? null;
  return { differences, compared, lastKey, done: !activeFull && !shadowFull };
}

export function changedFields(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  ignored: ReadonlySet<string>,
): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].filter((name) => !ignored.has(name) && JSON.stringify(a[name]) !== JSON.stringify(b[name])).sort();
}

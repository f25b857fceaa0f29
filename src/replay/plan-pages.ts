// A scan plan stored in pages, so that no Convex document comes near its 1 MiB limit whatever the
// archive's size: a small header (snapshot, schema, predicate, totals, each page's last position)
// and the slices cut into pages of a bounded size. A chunk loads the page its cursor is in, then the
// next ones as it reads on.
import { ArchiveError } from "../archive/errors.ts";
import type { ScanPlan, ScanSlice } from "../archive/plan.ts";
import { overlappingGroups } from "../archive/scan.ts";
import { fromPlanJson, toPlanJson } from "./plan-json.ts";

/**
 * A page is cut once it holds this many bytes: ~340 data files at the ~375 bytes a slice takes, an
 * eighth of the 1 MiB a document may hold.
 */
export const PLAN_PAGE_BYTES = 128 * 1024;
/** Files whose positions overlap are merged by the scan, so they share a page; beyond this size it is refused. */
export const PLAN_PAGE_MAX_BYTES = 512 * 1024;
/** Pages written by one mutation: a quarter of the 16 MiB a transaction may write. */
export const PLAN_WRITE_BYTES = 4 * 1024 * 1024;

export interface PlanHeader extends Omit<ScanPlan, "slices"> {
  /** Per page, the highest position its slices hold (null: unknown, only ever the last page); ascending. */
  pageUppers: Array<number | null>;
}

export interface PagedPlan {
  /** The header as stored text. */
  header: string;
  /** Each page's slices as stored text. */
  pages: string[];
}

export function pagePlan(plan: ScanPlan): PagedPlan {
  const { slices, ...rest } = plan;
  const pages: string[] = [];
  const pageUppers: Array<number | null> = [];
  let parts: string[] = [];
  let bytes = 0;
  let upper: number | null = null;
  const cut = () => {
    if (parts.length === 0) return;
    pages.push(`[${parts.join(",")}]`);
    pageUppers.push(upper);
    parts = [];
    bytes = 0;
  };
  for (const group of overlappingGroups(slices, plan.orderBy !== undefined)) {
    const groupParts = group.map((slice) => toPlanJson(slice));
    const groupBytes = groupParts.reduce((sum, part) => sum + Buffer.byteLength(part) + 1, 0);
    if (groupBytes > PLAN_PAGE_MAX_BYTES) throw oversizedGroup(plan, group, groupBytes);
    if (bytes > 0 && bytes + groupBytes > PLAN_PAGE_BYTES) cut();
    parts.push(...groupParts);
    bytes += groupBytes;
    upper = upperOf(group);
  }
  cut();
  return { header: toPlanJson({ ...rest, pageUppers } satisfies PlanHeader), pages };
}

/** The highest position a group of slices holds, when every slice knows its own. */
function upperOf(group: ScanSlice[]): number | null {
  let upper = -Infinity;
  for (const slice of group) {
    if (slice.orderUpper === undefined || slice.orderUpper === null) return null;
    upper = Math.max(upper, Number(slice.orderUpper));
  }
  return upper;
}

function oversizedGroup(plan: ScanPlan, group: ScanSlice[], bytes: number): ArchiveError {
  return new ArchiveError(
    undefined,
    `${group.length} data files (${group[0]!.key} to ${group.at(-1)!.key}) overlap in ${plan.orderBy}, so a rebuild ` +
      `reads them merged from one plan page, and they take ${bytes} bytes of plan where a page holds at most ` +
      `${PLAN_PAGE_MAX_BYTES}. Compact the archive (\`npx reproject archive compact\`, or reprojectNode:compact) ` +
      "so that its files no longer overlap, then trigger the rebuild again.",
  );
}

export interface StoredPlan {
  header: PlanHeader;
  /** A plan stored before plans had pages: its slices, in its header. */
  inlineSlices?: ScanSlice[];
}

export function readPlanHeader(text: string): StoredPlan {
  const stored = fromPlanJson<PlanHeader & { slices?: ScanSlice[] }>(text);
  if (stored.pageUppers) return { header: stored };
  const { slices, ...header } = stored;
  return { header: { ...header, pageUppers: [null] }, inlineSlices: slices ?? [] };
}

export function readPlanPage(text: string): ScanSlice[] {
  return fromPlanJson<ScanSlice[]>(text);
}

/** The first page holding a position after `cursor` (the page count when none does). */
export function firstPageAfter(pageUppers: ReadonlyArray<number | null>, cursor: number | null): number {
  if (cursor === null) return 0;
  const index = pageUppers.findIndex((upper) => upper === null || upper > cursor);
  return index === -1 ? pageUppers.length : index;
}

/** The pages in runs of at most PLAN_WRITE_BYTES (at least one page each), one mutation per run. */
export function pageWrites(pages: readonly string[]): Array<{ first: number; pages: string[] }> {
  const writes: Array<{ first: number; pages: string[] }> = [];
  let bytes = 0;
  pages.forEach((page, index) => {
    const current = writes.at(-1);
    const pageBytes = Buffer.byteLength(page);
    if (current && bytes + pageBytes <= PLAN_WRITE_BYTES) {
      current.pages.push(page);
      bytes += pageBytes;
    } else {
      writes.push({ first: index, pages: [page] });
      bytes = pageBytes;
    }
  });
  return writes;
}

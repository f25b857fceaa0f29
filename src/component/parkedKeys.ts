// Parked keys of `dead-letter-key` rebuilds: a key is parked once one of its events is
// dead-lettered, and every later event touching it is set aside too, until a re-drive applies them.
// A batch reads only the keys it touches, one index range each.
import { v } from "convex/values";
import { mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server.js";

const vParkedKey = v.object({ key: v.string(), behind: v.string() });

export async function parkedKeyRow(ctx: QueryCtx, rebuildId: string, key: string) {
  return ctx.db
    .query("parkedKeys")
    .withIndex("by_rebuild_key", (q) => q.eq("rebuildId", rebuildId).eq("key", key))
    .unique();
}

/** Of `keys`, those the rebuild parked, with the event id each is parked behind. */
export const among = query({
  args: { rebuildId: v.string(), keys: v.array(v.string()) },
  returns: v.array(vParkedKey),
  handler: async (ctx, { rebuildId, keys }) => {
    const rows = await Promise.all(keys.map((key) => parkedKeyRow(ctx, rebuildId, key)));
    return rows.flatMap((row) => (row ? [{ key: row.key, behind: row.behind }] : []));
  },
});

/**
 * Records a batch's parked keys with its dead letters, in the batch's transaction: `letterKeys` are
 * the keys of every letter it set aside (a key once per letter touching it).
 */
export const park = mutation({
  args: { rebuildId: v.string(), parked: v.array(vParkedKey), letterKeys: v.array(v.string()) },
  returns: v.null(),
  handler: async (ctx, { rebuildId, parked, letterKeys }) => {
    const behind = new Map(parked.map(({ key, behind }) => [key, behind]));
    const letters = new Map<string, number>();
    for (const key of letterKeys) letters.set(key, (letters.get(key) ?? 0) + 1);
    for (const [key, count] of letters) await addPending(ctx, rebuildId, key, count, behind.get(key));
    return null;
  },
});

async function addPending(ctx: MutationCtx, rebuildId: string, key: string, count: number, behind?: string) {
  const row = await parkedKeyRow(ctx, rebuildId, key);
  if (row) {
    await ctx.db.patch(row._id, { pending: row.pending + count });
    return;
  }
  if (behind === undefined)
    throw new Error(`parkedKeys.park: key ${key} of rebuild ${rebuildId} has letters but is not parked`);
  await ctx.db.insert("parkedKeys", { rebuildId, key, behind, pending: count });
}

// Parked keys of `dead-letter-key` rebuilds: a key is parked once one of its events is
// dead-lettered, and every later event touching it is set aside too (in the rebuild's later
// batches, its tail, and live appends into its generation), until a re-drive applies them. A batch
// reads only the keys it touches, one index range each.
import { v } from "convex/values";
import { mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server.js";
import { rebuildById, type Rebuild } from "./lifecycle.ts";
import { vDeadLetter } from "./validators.ts";

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

/** Of `keys`, those parked in a generation live appends write to, with the rebuild that parked them. */
export const amongInGeneration = query({
  args: { projection: v.string(), generation: v.number(), keys: v.array(v.string()) },
  returns: v.array(v.object({ key: v.string(), behind: v.string(), rebuildId: v.string() })),
  handler: async (ctx, { projection, generation, keys }) => {
    const rows = await Promise.all(
      keys.map((key) =>
        ctx.db
          .query("parkedKeys")
          .withIndex("by_generation_key", (q) =>
            q.eq("projection", projection).eq("generation", generation).eq("key", key),
          )
          .unique(),
      ),
    );
    return rows.flatMap((row) => (row ? [{ key: row.key, behind: row.behind, rebuildId: row.rebuildId }] : []));
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
    await parkKeys(ctx, await requireRebuild(ctx, rebuildId), parked, letterKeys);
    return null;
  },
});

/** A live append's events that touched parked keys: dead letters of the rebuild that parked them. */
export const parkLive = mutation({
  args: { rebuildId: v.string(), letters: v.array(vDeadLetter), parked: v.array(vParkedKey) },
  returns: v.null(),
  handler: async (ctx, { rebuildId, letters, parked }) => {
    const rebuild = await requireRebuild(ctx, rebuildId);
    const at = Date.now();
    for (const letter of letters)
      await ctx.db.insert("deadLetters", { rebuildId: rebuild._id, projection: rebuild.projection, ...letter, at });
    await parkKeys(
      ctx,
      rebuild,
      parked,
      letters.flatMap((letter) => letter.keys ?? []),
    );
    return null;
  },
});

async function requireRebuild(ctx: QueryCtx, rebuildId: string): Promise<Rebuild> {
  const rebuild = await rebuildById(ctx, rebuildId);
  if (!rebuild) throw new Error(`parkedKeys: no rebuild ${rebuildId}`);
  return rebuild;
}

async function parkKeys(
  ctx: MutationCtx,
  rebuild: Rebuild,
  parked: readonly { key: string; behind: string }[],
  letterKeys: readonly string[],
) {
  const behind = new Map(parked.map((row) => [row.key, row.behind]));
  const letters = new Map<string, number>();
  for (const key of letterKeys) letters.set(key, (letters.get(key) ?? 0) + 1);
  for (const [key, count] of letters) {
    const row = await parkedKeyRow(ctx, rebuild._id, key);
    if (row) {
      await ctx.db.patch(row._id, { pending: row.pending + count });
      continue;
    }
    const first = behind.get(key);
    if (first === undefined)
      throw new Error(`parkedKeys: key ${key} of rebuild ${rebuild._id} has letters but is not parked`);
    await ctx.db.insert("parkedKeys", {
      rebuildId: rebuild._id,
      projection: rebuild.projection,
      generation: rebuild.generation,
      key,
      behind: first,
      pending: count,
    });
  }
}

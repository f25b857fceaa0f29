// Reproject calls this when a rebuild completes, fails, stalls or waits for an operator
// (defineReproject's \`notify\`): the demo logs it and keeps it, where an app would page someone.
import { vRebuildNotification } from "reproject/server";
import { internalMutation } from "./_generated/server";

export const record = internalMutation({
  args: vRebuildNotification.fields,
  handler: async (ctx, notification) => {
    const { kind, projection, rebuildId, processed, total, reason } = notification;
    console.info(
      `rebuild ${kind}: ${projection} (${rebuildId}), ${processed} of ${total ?? "?"} events${reason ? `: ${reason}` : ""}`,
    );
    await ctx.db.insert("rebuildNotifications", notification);
    return null;
  },
});

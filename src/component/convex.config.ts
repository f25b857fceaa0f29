// Reproject's Convex component: the engine's own state (projections, rebuilds and their
// checkpoints, plans, dead letters, the audit log, self-checks) and the replay Workpool, apart
// from the app's tables. The app installs it with `app.use(reproject)` and reaches it as
// `components.reproject`.
import { defineComponent } from "convex/server";
import workpool from "@convex-dev/workpool/convex.config";

const component = defineComponent("reproject");
// Rebuild chunks run on their own pool so live traffic keeps the default capacity.
component.use(workpool, { name: "replayPool" });

export default component;

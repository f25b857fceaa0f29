// Reproject's Convex component: the engine's own state, apart from the app's tables. The app
// installs it with `app.use(reproject)` (convex/convex.config.ts) and reaches it as
// `components.reproject`.
import { defineComponent } from "convex/server";

export default defineComponent("reproject");

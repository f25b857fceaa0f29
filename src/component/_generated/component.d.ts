// The component's API as an app that installs it sees it (`components.reproject`).
export type { ComponentApi } from "../componentApi.js";

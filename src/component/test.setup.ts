/// <reference types="vite/client" />
// Module map of the component for convex-test. The file name has two dots, so the Convex CLI never deploys it.
export const modules = import.meta.glob(["./**/*.*s", "!./**/*.*.*s"]);

// The rebuild admin API (behind the admin check) for the app's dashboard and the CLI.
import { reproject } from "./reproject";

// prettier-ignore
export const {
  trigger, cancel, pause, resume, promote, discard, status, listActive, history, samples, deadLetters, auditLog, projections,
  redriveDeadLetters, redrives,
} = reproject.adminApi();

// The public rebuild API behind the admin check: the panel, the React hooks and the CLI call it.
import { reproject } from "./reproject";

export const {
  trigger,
  cancel,
  pause,
  resume,
  promote,
  discard,
  status,
  listActive,
  history,
  samples,
  deadLetters,
  redriveDeadLetters,
  redrives,
  auditLog,
  projections,
} = reproject.adminApi();

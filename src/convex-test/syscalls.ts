// The `Convex` global convex-test installs when its first instance is created delegates every
// syscall to the instance whose function is running. Wrapping it once per process (and per
// interceptor) sees every call a function makes, in every instance.
export type AsyncSyscall = (op: string, args: string) => Promise<string>;

interface ConvexSyscalls {
  readonly syscall: (op: string, args: string) => string;
  readonly asyncSyscall: AsyncSyscall;
  readonly jsSyscall: (op: string, args: Record<string, unknown>) => unknown;
}

const INTERCEPTORS = Symbol.for("reproject.convexTest.asyncSyscallInterceptors");

type InterceptedSyscalls = ConvexSyscalls & { [INTERCEPTORS]?: Set<string> };

/** Runs `intercept` around the async syscalls with an op in `ops`, once per `name` and process. */
export function interceptAsyncSyscalls(
  name: string,
  ops: ReadonlySet<string>,
  intercept: (op: string, args: string, next: AsyncSyscall) => Promise<string>,
): void {
  const host = globalThis as { Convex?: InterceptedSyscalls };
  const original = host.Convex;
  if (!original)
    throw new Error("convex-test has not installed the Convex syscalls: create a convexTest instance first");
  const applied = original[INTERCEPTORS] ?? new Set<string>();
  if (applied.has(name)) return;
  host.Convex = {
    [INTERCEPTORS]: new Set([...applied, name]),
    get syscall() {
      return original.syscall;
    },
    get jsSyscall() {
      return original.jsSyscall;
    },
    get asyncSyscall() {
      const next = original.asyncSyscall;
      return (op: string, args: string) => (ops.has(op) ? intercept(op, args, next) : next(op, args));
    },
  };
}

/**
 * Errors the CLI turns into one clear line and an exit code.
 * UsageError: the user typed something wrong (exit 2). RuntimeError: the work failed (exit 1).
 * Both messages should say what was wrong and what to do.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
}

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

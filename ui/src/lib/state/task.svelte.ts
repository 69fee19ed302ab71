import type { AppError } from "../bindings/AppError";
import { asAppError } from "../api";

/**
 * One piece of work a page runs: whether it is running, its last error, its
 * last result. Components show these; `run` keeps them consistent (a new
 * run clears the error; a failure keeps the previous value).
 */
export class Task<T> {
  busy = $state(false);
  error = $state<AppError | null>(null);
  value = $state<T | null>(null);

  /** Runs `work`; resolves to its result, or null when it failed. */
  async run(work: () => Promise<T>): Promise<T | null> {
    this.busy = true;
    this.error = null;
    try {
      const v = await work();
      this.value = v;
      return v;
    } catch (e) {
      this.error = asAppError(e);
      return null;
    } finally {
      this.busy = false;
    }
  }
}

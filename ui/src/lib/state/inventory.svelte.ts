import type { InventoryReport } from "../bindings/InventoryReport";
import type { Overview } from "../bindings/Overview";
import * as commands from "../commands";
import { containerRow, imageRow } from "../api";
import type { Row } from "../table";
import { Task } from "./task.svelte";

/**
 * The engine's inventory and the history overview, shared by every page:
 * one refresh reads both, and the tables' rows derive from the report.
 */
class Inventory {
  readonly task = new Task<InventoryReport>();
  /** History is extra: a failure there never hides the inventory. */
  overview = $state<Overview | null>(null);

  get report(): InventoryReport | null {
    return this.task.value;
  }

  readonly containers: Row[] = $derived(this.task.value ? this.task.value.containers.map(containerRow) : []);
  readonly images: Row[] = $derived(this.task.value ? this.task.value.images.map(imageRow) : []);

  /** Reads the engine again (recorded as an inventory scan). */
  async refresh(): Promise<void> {
    const report = await this.task.run(() => commands.inventory());
    if (report) this.overview = await commands.overview().catch(() => null);
  }

  /** The row with this ID as it is now (after a refresh), if any. */
  row(id: string): Row | null {
    return [...this.containers, ...this.images].find((r) => r.id === id) ?? null;
  }
}

export const inventory = new Inventory();

import type { ReminderSettings } from "../bindings/ReminderSettings";
import type { Snooze } from "../bindings/Snooze";
import type { StaleReport } from "../bindings/StaleReport";
import type { TrayState } from "../bindings/TrayState";
import { checkNow, reminderSettings, saveReminderSettings, snoozeImage, snoozes, staleCheck, trayState, unsnoozeImage } from "../commands";
import { Task } from "./task.svelte";

/** Snooze lengths the Stale page offers, in days. */
export const SNOOZES: { label: string; days: number }[] = [
  { label: "1 day", days: 1 },
  { label: "1 week", days: 7 },
  { label: "1 month", days: 30 },
];

/**
 * The Stale page and the Settings page share this: the last stale report,
 * the snoozes, the reminder settings and what the tray shows. A check run
 * from the page and one run by the scheduler (the "stale-checked" event)
 * both end in `refresh`.
 */
export class Stale {
  report = new Task<StaleReport>();
  snoozed = new Task<Snooze[]>();
  settings = new Task<ReminderSettings>();
  saved = new Task<ReminderSettings>();
  tray = new Task<TrayState>();

  /** The snooze or ignore on an image, if any. */
  snoozeOf(key: string): Snooze | null {
    return (this.snoozed.value ?? []).find((s) => s.subject_key === key) ?? null;
  }

  async refresh() {
    await Promise.all([this.report.run(staleCheck), this.snoozed.run(snoozes), this.tray.run(trayState)]);
  }

  async snooze(key: string, days: number | null) {
    await this.snoozed.run(() => snoozeImage(key, days));
  }

  async lift(key: string) {
    await this.snoozed.run(() => unsnoozeImage(key));
  }

  /** Asks the scheduler for a check now (notifications included). */
  async checkNow() {
    await this.tray.run(async () => {
      await checkNow();
      return trayState();
    });
  }

  async loadSettings() {
    await Promise.all([this.settings.run(reminderSettings), this.tray.run(trayState)]);
  }

  async save(s: ReminderSettings) {
    const v = await this.saved.run(() => saveReminderSettings(s));
    if (v) this.settings.value = v;
    await this.tray.run(trayState);
  }
}

export const stale = new Stale();

// Helpers around the generated command wrappers (./commands.ts): errors,
// table rows, and the export that asks where to save first.
import type { AppError } from "./bindings/AppError";
import type { ImageReport } from "./bindings/ImageReport";
import type { ContainerReport } from "./bindings/ContainerReport";
import type { ReportFormat } from "./bindings/ReportFormat";
import { save } from "@tauri-apps/plugin-dialog";
import { exportReport as writeReport } from "./commands";
import type { Row } from "./table";

/** Commands reject with an AppError; anything else is a defect, shown as one. */
export function asAppError(e: unknown): AppError {
  if (e !== null && typeof e === "object" && "kind" in e && "message" in e) return e as AppError;
  return { kind: "internal", message: String(e) };
}

export function imageRow(i: ImageReport): Row {
  const detail = i.tags.length > 1 ? `${i.tags.slice(1).join(", ")} · ${i.short_id}` : i.short_id;
  return { kind: "image", id: i.id, name: i.name, detail, state: i.tags.length ? "tagged" : "dangling", score: i.score, counts: i.counts, findings: i.findings, layersScanned: i.layers_scanned };
}

export function containerRow(c: ContainerReport): Row {
  return { kind: "container", id: c.id, name: c.name, detail: c.image, state: c.state, score: c.score, counts: c.counts, findings: c.findings };
}

/**
 * Asks where to save a report (the system's save dialog) and writes it.
 * Resolves to the path written, or null when the user cancelled.
 */
export async function exportReport(format: ReportFormat): Promise<string | null> {
  const path = await save({
    title: `Save the Dockward report (${format.toUpperCase()})`,
    defaultPath: `dockward-report.${format}`,
    filters: [{ name: format.toUpperCase(), extensions: [format] }],
  });
  if (!path) return null;
  return writeReport(format, path);
}

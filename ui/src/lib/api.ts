import { Channel, invoke } from "@tauri-apps/api/core";
import type { AppError } from "./bindings/AppError";
import type { InventoryReport } from "./bindings/InventoryReport";
import type { ImageReport } from "./bindings/ImageReport";
import type { ContainerReport } from "./bindings/ContainerReport";
import type { ImageScan } from "./bindings/ImageScan";
import type { ScanProgress } from "./bindings/ScanProgress";
import type { Overview } from "./bindings/Overview";
import type { ScanRecord } from "./bindings/ScanRecord";
import type { ScanDiff } from "./bindings/ScanDiff";
import type { FindingRow } from "./bindings/FindingRow";
import type { FindingState } from "./bindings/FindingState";
import type { Severity } from "./bindings/Severity";
import type { ReportFormat } from "./bindings/ReportFormat";
import type { HostReport } from "./bindings/HostReport";
import { save } from "@tauri-apps/plugin-dialog";
import type { Row } from "./table";

/** Runs an inventory in the core (and records it as a scan). */
export function loadInventory(): Promise<InventoryReport> {
  return invoke<InventoryReport>("inventory");
}

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
 * Scans one image's layers (from the cache when the image is unchanged),
 * reporting bytes and layer i/n to `onProgress` as it goes.
 */
export function scanImage(image: string, onProgress: (p: ScanProgress) => void = () => {}): Promise<ImageScan> {
  const channel = new Channel<ScanProgress>();
  channel.onmessage = onProgress;
  return invoke<ImageScan>("scan_image", { image, onProgress: channel });
}

/** Stops the running layer scan of `image`; it is recorded as interrupted. */
export function cancelScan(image: string): Promise<boolean> {
  return invoke<boolean>("cancel_scan", { image });
}

/** Trend, since-last-inventory and riskiest subjects from the store. */
export function loadOverview(): Promise<Overview> {
  return invoke<Overview>("overview");
}

/** Recorded scans, newest first. */
export function loadHistory(limit = 200): Promise<ScanRecord[]> {
  return invoke<ScanRecord[]>("history", { limit });
}

/** New, resolved and reopened findings between two complete scans. */
export function loadDiff(from: number, to: number): Promise<ScanDiff> {
  return invoke<ScanDiff>("diff", { from, to });
}

/** Stored findings; `state` "open" includes new and reopened ones. */
export function loadFindings(state: FindingState | null, minSeverity: Severity | null = null): Promise<FindingRow[]> {
  return invoke<FindingRow[]>("findings", { findingState: state, minSeverity });
}

/** Accepts a finding with a reason, until a date (YYYY-MM-DD) or lifted. */
export function suppressFinding(fingerprint: string, reason: string, until: string | null): Promise<string> {
  return invoke<string>("suppress", { fingerprint, reason, until });
}

/** Lifts a suppression. */
export function unsuppressFinding(fingerprint: string): Promise<string> {
  return invoke<string>("unsuppress", { fingerprint });
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
  return invoke<string>("export_report", { format, path });
}

/** Checks the host (Docker Desktop settings, versions, advisories, mounts) and records it. */
export function checkHost(): Promise<HostReport> {
  return invoke<HostReport>("host_check");
}

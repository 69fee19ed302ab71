/**
 * Imported first by main.ts, so that a defect anywhere (even while modules
 * load) shows as a message at the bottom of the window, never as a blank one.
 */
function showFatal(message: string) {
  const box = document.createElement("pre");
  box.setAttribute("data-testid", "fatal");
  box.style.cssText =
    "position:fixed;bottom:0;left:0;right:0;margin:0;padding:12px;background:#450a0a;color:#fecaca;font:12px monospace;white-space:pre-wrap;z-index:99";
  box.textContent = `Dockward hit an internal error; please report it:\n${message}`;
  document.body.appendChild(box);
}

window.addEventListener("error", (e) => showFatal(String(e.error?.stack ?? e.message)));
window.addEventListener("unhandledrejection", (e) => showFatal(String(e.reason?.stack ?? e.reason)));

// WebKitGTK under LANG=C (or POSIX) reports a language tag that Intl rejects;
// a library that formats numbers with navigator.language at load time (the
// chart's) would then stop the whole window. Fall back to a valid tag.
try {
  new Intl.NumberFormat(navigator.language);
} catch {
  Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
}

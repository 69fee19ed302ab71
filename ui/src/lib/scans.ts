import type { ImageScan } from "./bindings/ImageScan";

/**
 * The last layer scan of each image in this session, by image ID, so an
 * image page shows its scan again when the inventory refreshes or the user
 * comes back to it. (The scans themselves are recorded in the database.)
 */
export const lastScans = new Map<string, ImageScan>();

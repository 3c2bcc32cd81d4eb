/**
 * App-wide constants. Shared by the page and the service worker (which imports sync.js).
 * Keep this free of DOM references: it also runs in the service worker.
 */

/** Shown to people and sent in each sync's `status` so supervisors see who runs what. */
export const APP_VERSION = '2026.11.1';
/** The collection-schema version this code was written for; the server refuses older ones. */
export const SCHEMA_VERSION = 5;
export const API = '/api/v1';
/** Changes per pull page: small enough that one page survives a flaky 2G link. */
export const PAGE_LIMIT = 500;
/** Ops per push request. */
export const PUSH_BATCH = 200;
/** Attachment upload piece: a cut costs at most this much to resend. */
export const PIECE = 256 * 1024;
/** Background sync cadence while the app is open. */
export const SYNC_EVERY_MS = 3 * 60 * 1000;
/** Longest random wait before syncing when the link returns (spreads a township's phones). */
export const ONLINE_JITTER_MS = 8000;
/** Longest wait between failed attempts. */
export const BACKOFF_MAX_MS = 5 * 60 * 1000;
/** Longest side of a stored photo: plenty for a document, small enough for 2G. */
export const MAX_PHOTO_PX = 1600;
export const PHOTO_QUALITY = 0.8;

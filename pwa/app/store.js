/**
 * The device's data, one module per job (all in ./store/):
 *   db.js        opening, upgrades, transactions, wipe
 *   paths.js     dotted paths over record data (pure; never walks a prototype)
 *   packs.js     records again in a few values per collection (fast lists), with summaries
 *   summary.js   which fields list rows need, per collection; which lists are paged
 *   lists.js     list rows in display order (an index), for paged lists
 *   records.js   synced records, the merged view (full or summary), settling a sync
 *   outbox.js    local changes (ops), fixing and dropping rejected ones, counts
 *   blobs.js     photos and signatures, upload progress
 *   settings.js  small settings in `meta`
 * This file re-exports them, so `import … from './store.js'` keeps working everywhere
 * (the page, the service worker, tests).
 */

export { db, tx, wipe } from './store/db.js';
export { clone, flatten, getPath, keyOf, setPath, uuid } from './store/paths.js';
export { agendaPage, callbacksDue, get, list, listPage, listSummaries, markResolved, merged, resetSynced, settle } from './store/records.js';
export { ALL, LISTS, SUMMARY_PATHS, summarize } from './store/summary.js';
export { counts, discardOp, edit, fixOp, outbox, requeueStale } from './store/outbox.js';
export { getBlob, pendingUploads, putBlob, setUpload, sha256 } from './store/blobs.js';
export { getMeta, setMeta } from './store/settings.js';

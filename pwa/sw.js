// fieldsync service worker, registered as a module (Chromium): the app shell cache
// (sw/shell.js) plus Background Sync, which runs the page's own sync code (app/sync.js) so
// the outbox goes out even when the app is closed. Browsers without module service workers
// get sw-classic.js (the shell only).
//
// VERSION: bump it here and in sw-classic.js (tests check they match) whenever any file of
// the app shell changes. It lives in the main script because browsers decide "new version"
// by comparing the main script's bytes.
self.FIELDSYNC_VERSION = '2026.12.03-s11n';
import './sw/shell.js';
import './sw/background.js';

// fieldsync service worker for browsers without module service workers: the app shell
// only (sw/shell.js, the same file as the module worker's). Those browsers have no
// Background Sync either; the page syncs whenever it is open.
// VERSION: keep equal to sw.js (tests check it).
self.FIELDSYNC_VERSION = '2026.12.03-s11n';
importScripts('/sw/shell.js');

// Background Sync and push (service worker, module). The sync is the page's own code:
// one implementation of the protocol, guarded by a Web Lock against running twice.
import { syncNow } from '../app/sync.js';

self.addEventListener('sync', (event) => {
  // A rejection tells the browser to retry later with its own backoff.
  if (event.tag === 'fieldsync-outbox') event.waitUntil(syncNow());
});

self.addEventListener('push', (event) => {
  // Push messages carry no data: they only mean "sync now".
  event.waitUntil(syncNow().catch(() => {}));
});

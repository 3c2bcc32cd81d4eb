// Background Sync and push (service worker, module). The sync is the page's own code:
// one implementation of the protocol, guarded by a Web Lock against running twice.
import { syncNow } from '../app/sync.js';

self.addEventListener('sync', (event) => {
  // A rejection tells the browser to retry later with its own backoff.
  if (event.tag === 'fieldsync-outbox') event.waitUntil(syncNow());
});

self.addEventListener('push', (event) => {
  // A push only means "sync now" (its body names no person). A random 0–8 s wait first,
  // so a county's phones woken by one event do not all reach the server in the same second.
  const jitter = Math.floor(Math.random() * 8000);
  event.waitUntil(new Promise((resolve) => setTimeout(resolve, jitter)).then(() => syncNow()).catch(() => {}));
});

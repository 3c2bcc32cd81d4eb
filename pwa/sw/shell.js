/* fieldsync app shell (service worker). Loaded by the module worker (sw.js, import) and the
 * classic one (sw-classic.js, importScripts): so no import/export here.
 *
 * Versioned cache: the version is self.FIELDSYNC_VERSION, set by the worker's main script
 * (sw.js / sw-classic.js), because browsers look for a new version by comparing that main
 * script: Chromium fails to start an update whose only change is in an imported module.
 * A new version installs its own cache and waits; the page tells it to take over
 * (SKIP_WAITING) only when the outbox is empty or the person agrees. Then old caches go.
 */
function cacheName() { return 'fieldsync-shell-' + self.FIELDSYNC_VERSION; }
/* What a phone needs to start and work offline. Not the PNG icons: the browser reads them
 * from the server when the app is installed (online: installing needs the link anyway) and
 * keeps its own copy for the home screen; an offline page shows only the SVG favicon. */
var SHELL = [
  '/index.html',
  '/manifest.webmanifest',
  '/icons/icon.svg',
  '/app/app.css',
  '/app/api.js',
  '/app/attachments.js',
  '/app/bus.js',
  '/app/colleagues.js',
  '/app/calendar.js',
  '/app/config.js',
  '/app/errors.js',
  '/app/forms.js',
  '/app/idb.js',
  '/app/keep.js',
  '/app/labels.js',
  '/app/main.js',
  '/app/media.js',
  '/app/router.js',
  '/app/pushsub.js',
  '/app/rights.js',
  '/app/roles.js',
  '/app/scheduler.js',
  '/app/schema.js',
  '/app/session.js',
  '/app/store.js',
  '/app/store/blobs.js',
  '/app/store/db.js',
  '/app/store/lists.js',
  '/app/store/outbox.js',
  '/app/store/packs.js',
  '/app/store/paths.js',
  '/app/store/records.js',
  '/app/store/settings.js',
  '/app/store/summary.js',
  '/app/sync.js',
  '/app/syncstate.js',
  '/app/ui.js',
  '/app/update.js',
  '/app/views/callback.js',
  '/app/views/cases.js',
  '/app/views/common.js',
  '/app/views/accountability.js',
  '/app/views/complaints.js',
  '/app/views/inbox.js',
  '/app/views/login.js',
  '/app/views/notice.js',
  '/app/views/signature.js',
  '/app/views/syncview.js',
  '/app/views/visit-form.js',
  '/app/views/visits.js'
];

/* The county workspace's modules (supervisors and admins at a desk): not precached, so a
 * phone installs only what it uses. The app imports them on first use (router.js lazy); the
 * worker keeps each in a second versioned cache once fetched and serves it from there
 * afterwards (cache-first, offline too), and drops that cache on a version change like the
 * shell's. The workspace needs the network for its figures anyway; a screen opened once
 * still opens offline and says what it cannot show. */
function workspaceCacheName() { return 'fieldsync-ws-' + self.FIELDSYNC_VERSION; }
var WORKSPACE = [
  '/app/rubric-zh.js',
  '/app/ws.css',
  '/app/views/ws/admin.js',
  '/app/views/ws/awards.js',
  '/app/views/ws/boards.js',
  '/app/views/ws/catalogue.js',
  '/app/views/ws/complaints.js',
  '/app/views/ws/kit.js',
  '/app/views/ws/ledgers.js',
  '/app/views/ws/overview.js',
  '/app/views/ws/preview.js',
  '/app/views/ws/queues.js',
  '/app/views/ws/record.js',
  '/app/views/ws/template-edit.js',
  '/app/views/ws/templates.js'
];

/* The inspection screens (inspectors, supervisors, admins, and centres answering a
 * rectification: roles.js INSPECTION_ROLES): a fifth of the app that a field phone never opens,
 * so not precached. They are used offline, so they are not left to first use either: the
 * page of a role that needs them asks for the whole pack (CACHE_INSPECTION, update.js
 * keepPacks) and the worker keeps it in its own versioned cache, served cache-first. A
 * field user's page never asks (it asks to drop it), so a field phone does not hold it
 * (typed in online, the screen comes from the network and is not kept). */
function inspectionCacheName() { return 'fieldsync-insp-' + self.FIELDSYNC_VERSION; }
var INSPECTION = [
  '/app/insp.css',
  '/app/rubric.js',
  '/app/views/inspection-common.js',
  '/app/views/inspection-items.js',
  '/app/views/inspection-view.js',
  '/app/views/inspection-walk.js',
  '/app/views/inspections.js',
  '/app/views/rectifications.js'
];

/* The caches beside the shell's: name prefix and the files each holds. */
var PACKS = [
  { prefix: 'fieldsync-ws-', urls: WORKSPACE },
  { prefix: 'fieldsync-insp-', urls: INSPECTION }
];

/* Requests that skip the HTTP cache (cache: 'reload'), so a new cache never holds an old file. */
function reloading(urls) {
  return urls.map(function (url) { return new Request(url, { cache: 'reload' }); });
}

self.addEventListener('install', function (event) {
  event.waitUntil(carried().then(function (packs) {
    return precache([{ name: cacheName(), urls: SHELL }].concat(packs));
  }));
});

/* A device that holds a pack under the old version (an inspector's phone, a supervisor's
 * desk) gets the new version's pack in the same install, before the new version takes
 * over: the screens open offline right after an update too. */
function carried() {
  return caches.keys().then(function (keys) {
    return PACKS.filter(function (pack) {
      return keys.some(function (k) { return k.indexOf(pack.prefix) === 0; });
    }).map(function (pack) { return { name: pack.prefix + self.FIELDSYNC_VERSION, urls: pack.urls }; });
  });
}

/* Keep each set's `urls` in this version's cache `name`, fetched past the HTTP cache. Each
 * file must come back whole and of this version: the server names every file's version
 * (X-Fieldsync-Shell, see fetchOwn), and a deploy in the middle of an install would
 * otherwise leave this version's caches holding files of the next one. A failed fetch or a
 * file of another version fails the install, and all are fetched and checked before any is
 * kept, so a failed install leaves no cache of its version behind: the old worker stays in
 * control, and the browser tries the update again later, when the deployed version is
 * whole. No update is asked for here: a server that kept naming another version would be
 * asked again and again. */
function precache(sets) {
  return Promise.all(sets.map(function (set) {
    return Promise.all(reloading(set.urls).map(function (req) {
      return fetch(req).then(function (res) {
        var version = res.headers.get('X-Fieldsync-Shell');
        if (!res.ok) throw new TypeError(req.url + ': HTTP ' + res.status);
        if (version !== null && version !== self.FIELDSYNC_VERSION) {
          throw new TypeError(req.url + ' is of version ' + version + ', not ' + self.FIELDSYNC_VERSION);
        }
        return [req, res];
      });
    }));
  })).then(function (fetched) {
    return Promise.all(sets.map(function (set, i) {
      return caches.open(set.name).then(function (cache) {
        return Promise.all(fetched[i].map(function (pair) { return cache.put(pair[0], pair[1]); }));
      });
    }));
  });
}

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      if (k.indexOf('fieldsync-shell-') === 0) return k !== cacheName();
      return PACKS.some(function (pack) {
        return k.indexOf(pack.prefix) === 0 && k !== pack.prefix + self.FIELDSYNC_VERSION;
      });
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('message', function (event) {
  var data = event.data || {};
  if (data.type === 'SKIP_WAITING') self.skipWaiting();
  // The page opened a workspace screen: keep the whole workspace for offline use, even when
  // that first screen came from the network (the worker did not control the page yet).
  if (data.type === 'CACHE_WORKSPACE') event.waitUntil(caches.open(workspaceCacheName()).then(fillWorkspace));
  // The page of an inspector (supervisor, admin, centre) keeps the inspection screens; a
  // field user's drops them (the device was someone else's before).
  if (data.type === 'CACHE_INSPECTION') {
    event.waitUntil(caches.open(inspectionCacheName()).then(function (cache) { return fill(cache, INSPECTION); }));
  }
  if (data.type === 'DROP_INSPECTION') event.waitUntil(caches.delete(inspectionCacheName()));
  if (data.type === 'GET_VERSION' && event.source) event.source.postMessage({ type: 'VERSION', version: self.FIELDSYNC_VERSION });
});

self.addEventListener('fetch', function (event) {
  var req = event.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  // The API and anything off-site go to the network untouched.
  if (url.origin !== self.location.origin || url.pathname.indexOf('/api/') === 0 || url.pathname === '/healthz') return;
  if (req.mode === 'navigate') {
    // Every page of the app is the same shell: open it from the cache, offline or not.
    event.respondWith(caches.open(cacheName()).then(function (cache) {
      return cache.match('/index.html');
    }).then(function (hit) { return hit || fetch(req); }));
    return;
  }
  if (WORKSPACE.indexOf(url.pathname) >= 0) {
    event.respondWith(workspaceModule(url.pathname, event));
    return;
  }
  if (INSPECTION.indexOf(url.pathname) >= 0) {
    // From the pack when the device holds it, else the network (nothing kept: see INSPECTION).
    // caches.match with cacheName: caches.open would create the pack's cache on a field phone.
    event.respondWith(caches.match(url.pathname, { cacheName: inspectionCacheName() }).then(function (hit) {
      return hit || fetchOwn(url.pathname);
    }));
    return;
  }
  event.respondWith(caches.open(cacheName()).then(function (cache) {
    return cache.match(req, { ignoreSearch: true });
  }).then(function (hit) { return hit || fetch(req); }));
});

/* A workspace module: from the workspace cache, else from the network, kept in the cache.
 * The first one fetched also fills the cache with the rest of the workspace in the
 * background, so a supervisor who loses the link later still opens the screens. */
function workspaceModule(path, event) {
  return caches.open(workspaceCacheName()).then(function (cache) {
    return cache.match(path).then(function (hit) {
      if (hit) return hit;
      return fetchOwn(path).then(function (res) {
        if (res.ok) {
          event.waitUntil(cache.put(path, res.clone()).then(function () { return fillWorkspace(cache); }));
        }
        return res;
      });
    });
  });
}

/* A file of this version from the network. The server names the shell version of every
 * file it serves (X-Fieldsync-Shell). Once a newer version is deployed, a file this worker
 * lacks comes back in the new version: served to a page of this version (its main.js and
 * shell from this version's cache), it would mix two versions in one page, and kept, it
 * would stay in this version's cache. So it is refused (503, nothing cached) and the worker
 * looks for its update at once; the page takes the new version as it does any update
 * (update.js: at once when nothing is unsent, and reloads into it). */
function fetchOwn(path) {
  return fetch(new Request(path, { cache: 'no-cache' })).then(function (res) {
    var version = res.headers.get('X-Fieldsync-Shell');
    if (!res.ok || version === null || version === self.FIELDSYNC_VERSION) return res;
    self.registration.update().catch(function () {});
    return new Response('', { status: 503, statusText: 'Version ' + version + ' deployed; this is ' +
      self.FIELDSYNC_VERSION, headers: { 'X-Fieldsync-Shell': version } });
  });
}

function fillWorkspace(cache) { return fill(cache, WORKSPACE); }

/* Fetch into `cache` the files of `urls` it lacks; one that fails is tried again next time. */
function fill(cache, urls) {
  return cache.keys().then(function (reqs) {
    var have = reqs.map(function (r) { return new URL(r.url).pathname; });
    return Promise.all(urls.filter(function (p) { return have.indexOf(p) < 0; }).map(function (p) {
      return fetchOwn(p).then(function (res) {
        if (res.ok) return cache.put(p, res);
      }).catch(function () {});
    }));
  });
}

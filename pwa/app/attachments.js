/**
 * Photos and signatures to the server: content-addressed by SHA-256, sent in pieces that
 * resume after a cut (the server's /status says how much it holds; we never trust our own
 * count after a failure). Uploaded before the ops that reference them.
 */

import { PIECE } from './config.js';
import { call } from './api.js';
import { AuthFailed, HttpFailed, errorCode } from './errors.js';
import { getBlob, pendingUploads, setUpload } from './store.js';
import { emit } from './bus.js';
import { errorText } from './labels.js';

export { AuthFailed, HttpFailed };

/**
 * Upload every attachment the server does not have yet, one after another.
 * @param {string} token
 * @returns {Promise<number>} how many finished in this run
 */
export async function uploadPending(token) {
  let done = 0;
  for (const u of await pendingUploads()) {
    if (u.error && u.error.code === 'hash_mismatch') continue; // a damaged local copy: shown, not retried
    try {
      if (await uploadOne(token, u.sha)) done += 1;
    } catch (err) {
      // One photo that will not go (a timeout on 2G, a server error) must not hold back the
      // others, nor the ops that need no photo: note why, go on; the next sync retries it.
      if (err instanceof AuthFailed) throw err;
      await setUpload(u.sha, { error: { code: err.code || err.name || 'network', message: errorText(err) } });
    }
  }
  return done;
}

/**
 * Upload one attachment from where the server says it stopped.
 * @param {string} token
 * @param {string} sha
 * @returns {Promise<boolean>} true once the server holds all of it
 */
export async function uploadOne(token, sha) {
  const blob = await getBlob(sha);
  if (!blob) {
    await setUpload(sha, { error: { code: 'missing', message: '本机找不到这张照片' } });
    return false;
  }
  const data = /** @type {ArrayBuffer} */ (blob.data);
  const total = data.byteLength;
  let received = await serverHolds(token, sha);
  if (received === true) return finish(sha, total);
  for (let stalls = 0; received < total;) {
    const end = Math.min(received + PIECE, total);
    const r = await call(`/attachments/${sha}`, {
      method: 'PUT', token, body: data.slice(received, end), timeout: 120000,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${received}-${end - 1}/${total}` },
    });
    if (r.status === 200 || r.status === 201) return finish(sha, total);
    if (r.status === 401) throw new AuthFailed(r.body);
    if (r.status === 422 && errorCode(r.body) === 'hash_mismatch') {
      await setUpload(sha, { error: { code: 'hash_mismatch', message: '照片数据校验失败' } });
      return false;
    }
    if (r.status === 202 && r.body && Number.isInteger(r.body.received)) {
      stalls = r.body.received > received ? 0 : stalls + 1;
      received = r.body.received;
    } else if (r.status === 416 || r.status === 409) {
      const now = await serverHolds(token, sha); // the server knows better: start from there
      if (now === true) return finish(sha, total);
      stalls += 1;
      received = now;
    } else {
      throw new HttpFailed(r.status, r.body);
    }
    if (stalls > 3) throw new HttpFailed(r.status, { error: { code: 'no_progress', message: '上传没有进展' } });
    await setUpload(sha, { received, error: null });
    emit({ type: 'upload', sha, received, total });
  }
  // Every byte sent but no 201: ask once more (the last answer may have been lost).
  return (await serverHolds(token, sha)) === true ? finish(sha, total) : false;
}

/** How many bytes the server holds (true when complete). */
async function serverHolds(token, sha) {
  const r = await call(`/attachments/${sha}/status`, { token });
  if (r.status === 401) throw new AuthFailed(r.body);
  if (r.status === 404) return 0; // never seen: start at 0
  if (!r.ok) throw new HttpFailed(r.status, r.body);
  return r.body.complete ? true : (r.body.received || 0);
}

async function finish(sha, total) {
  await setUpload(sha, { received: total, done: true, error: null });
  emit({ type: 'changed' });
  return true;
}

/**
 * Photos and signatures kept on the device (`blobs`, keyed by SHA-256, as ArrayBuffers:
 * older Safari cannot keep Blobs in IndexedDB) and their upload progress (`uploads`).
 */

import { promised } from '../idb.js';
import { emit } from '../bus.js';
import { tx } from './db.js';

/**
 * Put a blob and its upload entry inside transaction `t` (covering 'blobs' and 'uploads').
 * @param {IDBTransaction} t
 * @param {{sha: string, type: string, data: ArrayBuffer}} blob
 */
export function putBlobIn(t, { sha, type, data }) {
  t.objectStore('blobs').put({ sha, type, size: data.byteLength, data, at: Date.now() });
  const uploads = t.objectStore('uploads');
  promised(uploads.get(sha)).then((u) => {
    if (!u) uploads.put({ sha, size: data.byteLength, received: 0, done: false, error: null });
  });
}

/**
 * SHA-256 of bytes as lowercase hex (how records and the server name attachments).
 * @param {ArrayBuffer} data
 */
export async function sha256(data) {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * Keep a photo or signature on the device, keyed by its SHA-256; returns the hash.
 * @param {ArrayBuffer} data
 * @param {string} type MIME type
 */
export async function putBlob(data, type) {
  const sha = await sha256(data);
  await tx(['blobs', 'uploads'], 'readwrite', (t) => putBlobIn(t, { sha, type, data }), 'strict');
  emit({ type: 'changed', local: true });
  return sha;
}

/**
 * A stored attachment, or undefined.
 * @param {string} sha
 */
export async function getBlob(sha) {
  return tx(['blobs'], 'readonly', (t) => promised(t.objectStore('blobs').get(sha)));
}

/** Attachments not yet fully on the server. */
export async function pendingUploads() {
  const all = await tx(['uploads'], 'readonly', (t) => promised(t.objectStore('uploads').getAll()));
  return all.filter((u) => !u.done);
}

/**
 * Record upload progress of one attachment.
 * @param {string} sha
 * @param {{received?: number, done?: boolean, error?: any}} patch
 */
export async function setUpload(sha, patch) {
  await tx(['uploads'], 'readwrite', async (t) => {
    const s = t.objectStore('uploads');
    const u = await promised(s.get(sha));
    if (u) s.put({ ...u, ...patch });
  });
}

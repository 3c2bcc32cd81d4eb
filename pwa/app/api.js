/**
 * HTTP to the fieldsync server (DESIGN.md's contract). Every call resolves with
 * {status, ok, body} for any HTTP answer and rejects with NetworkError only when no answer
 * came (offline, cut, timeout): callers treat the two very differently (a 4xx is the
 * server's verdict; a network error is retried later).
 */

import { API } from './config.js';
import { NetworkError, errorCode } from './errors.js';

export { NetworkError, errorCode };

/**
 * gzip a string with CompressionStream, or null where the browser lacks it.
 * @param {string} text
 * @returns {Promise<ArrayBuffer | null>}
 */
export async function gzip(text) {
  if (typeof CompressionStream !== 'function') return null;
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

/**
 * Call the API.
 * @param {string} path below /api/v1, e.g. '/sync'
 * @param {{method?: string, token?: string, json?: any, body?: BodyInit, headers?: Record<string,string>,
 *          compress?: boolean, timeout?: number}} [opts]
 * @returns {Promise<{status: number, ok: boolean, body: any}>}
 */
export async function call(path, opts = {}) {
  /** @type {Record<string, string>} */
  const headers = { ...(opts.headers || {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let body = opts.body;
  if (opts.json !== undefined) {
    const text = JSON.stringify(opts.json);
    headers['Content-Type'] = 'application/json';
    // Uploads are the slow direction on 2G/3G: compress anything worth it.
    const packed = opts.compress && text.length > 1024 ? await gzip(text) : null;
    if (packed) {
      headers['Content-Encoding'] = 'gzip';
      body = packed;
    } else {
      body = text;
    }
  }
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), opts.timeout || 90000);
  let res;
  try {
    res = await fetch(API + path, { method: opts.method || 'GET', headers, body, signal: ctrl.signal, cache: 'no-store' });
  } catch (err) {
    throw new NetworkError(ctrl.signal.aborted ? '请求超时' : '无法连接服务器');
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    const text = await res.text();
    data = text ? JSON.parse(text) : null;
  } catch (err) {
    if (res.ok) throw new NetworkError('响应不完整');
  }
  return { status: res.status, ok: res.ok, body: data };
}

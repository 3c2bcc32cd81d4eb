/**
 * Web Push subscription (消息提醒). Never asked at first load: the 同步 page offers a button
 * once this phone has synced at least once, and the browser's permission prompt comes
 * only from that tap. The subscription (VAPID public key from the server) is posted to
 * /api/v1/push/subscriptions. Where the Push API is missing (several domestic browsers)
 * or the push service is unreachable, the in-app 通知 inbox still gets everything by sync.
 */

import { call } from './api.js';
import { getMeta, setMeta } from './store.js';

/** Whether this browser can subscribe at all. */
export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** @param {string} text base64url */
function keyBytes(text) {
  const pad = '='.repeat((4 - (text.length % 4)) % 4);
  const raw = atob((text + pad).replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(raw, (ch) => ch.charCodeAt(0));
}

/**
 * Subscribe this phone (call from a tap). Resolves to a Chinese message saying what happened.
 * @returns {Promise<{ok: boolean, message: string}>}
 */
export async function subscribePush() {
  if (!pushSupported()) return { ok: false, message: '此浏览器不支持消息推送；通知仍会在同步后出现在“通知”页。' };
  const session = await getMeta('session');
  if (!session || !session.token) return { ok: false, message: '请先登录' };
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return { ok: false, message: '未允许通知；可在浏览器设置中开启。' };
  try {
    const key = await call('/push/vapid-public-key');
    if (!key.ok) throw new Error(`HTTP ${key.status}`);
    const reg = await navigator.serviceWorker.ready;
    const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.body.key) });
    const res = await call('/push/subscriptions', { method: 'POST', token: session.token, json: sub.toJSON() });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    await setMeta('push', { endpoint: sub.endpoint, at: Date.now() });
    return { ok: true, message: '已开启消息提醒' };
  } catch (err) {
    return { ok: false, message: `无法开启消息推送（${err.message || err}）；通知仍会在同步后出现在“通知”页。` };
  }
}

/**
 * Logging in and out on a shared or personal phone. Unsent work always belongs to the
 * person who made it: another user cannot log in over it, and logging out with unsent work
 * keeps it on the device (after trying to send it, and a warning) until its owner returns.
 */

import { call } from './api.js';
import { counts, getMeta, outbox, resetSynced, setMeta, wipe } from './store.js';
import { fetchSchemas, syncNow } from './sync.js';
import { load as loadSchemas } from './schema.js';

/** A short device name for the server's device list. */
function deviceName() {
  const ua = navigator.userAgent;
  const kind = /iPhone|iPad/.test(ua) ? 'iPhone' : /Android/.test(ua) ? 'Android' : '电脑';
  return `${kind} 浏览器`;
}

/**
 * Log in; keeps the device's unsent work if it is this user's.
 * @param {string} username
 * @param {string} password
 * @returns {Promise<any>} the session
 */
export async function login(username, password) {
  const prev = await getMeta('session');
  const unsent = (await outbox()).length;
  const sameUser = prev && prev.username && prev.username.toLowerCase() === username.toLowerCase();
  if (prev && prev.username && !sameUser && unsent) {
    throw new Error(`本机还有 ${prev.user.name || prev.username} 的 ${unsent} 项更改未同步，请该用户先登录并同步。`);
  }
  const r = await call('/auth/login', { method: 'POST', json: { username, password, device_name: deviceName() }, timeout: 30000 });
  if (r.status === 401) throw new Error('用户名或密码错误');
  if (r.status === 429) throw new Error('尝试次数过多，请稍后再试');
  if (!r.ok) throw new Error(r.status >= 500 ? `服务器暂时不可用（${r.status}），请稍后再试` : `登录失败（${r.status}）`);
  if (prev && prev.username && !sameUser) await wipe(); // another person's synced copy leaves the device
  else if (prev && prev.user && prev.user.id !== r.body.user.id) await resetSynced();
  const session = { token: r.body.token, device_id: r.body.device_id, user: r.body.user, username, at: Date.now() };
  await setMeta('session', session);
  await setMeta('notice', undefined);
  await fetchSchemas(session.token).catch(() => false);
  await loadSchemas();
  // Ask the browser not to evict our data under storage pressure (unsent work lives here).
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  return session;
}

/**
 * Log out: try to send everything first; with work still unsent, warn and keep it.
 * @param {(message: string) => boolean} confirmFn asks the person
 * @returns {Promise<boolean>} whether logged out
 */
export async function logout(confirmFn) {
  const session = await getMeta('session');
  try { await syncNow(); } catch { /* offline: counted below */ }
  const c = await counts();
  if (c.unsent || c.photos) {
    const name = (session && session.user && session.user.name) || '您';
    const ok = confirmFn(`还有 ${c.unsent} 项更改、${c.photos} 张照片未能同步。\n`
      + `退出后它们仍保存在本机，${name}再次登录后会继续发送；其他人无法在本机登录。\n确定退出吗？`);
    if (!ok) return false;
    await setMeta('session', { ...session, token: null, loggedOut: true });
    return true;
  }
  await wipe();
  return true;
}

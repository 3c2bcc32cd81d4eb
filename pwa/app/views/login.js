/** The login screen: 用户名, 密码, 登录. Needs the network once; after that the app works offline. */

import { add, h, field } from '../ui.js';
import { getMeta } from '../store.js';
import { login } from '../session.js';
import { homeFor } from '../roles.js';
import { go } from '../router.js';
import { start as startSync } from '../scheduler.js';

/** Render the login form. */
export async function loginView(ctx) {
  const prev = await getMeta('session');
  const notice = await getMeta('notice');
  const user = /** @type {HTMLInputElement} */ (h('input', { name: 'username', autocomplete: 'username', autocapitalize: 'off',
    spellcheck: 'false', required: true, value: (prev && prev.username) || '' }));
  const pass = /** @type {HTMLInputElement} */ (h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }));
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'btn primary wide', text: '登录' }));
  const form = h('form', { class: 'login', onsubmit: async (e) => {
    e.preventDefault();
    msg.textContent = '';
    button.disabled = true;
    button.textContent = '正在登录…';
    try {
      const session = await login(user.value.trim(), pass.value);
      startSync();
      go(homeFor(session), true); // each role opens on its own home
    } catch (err) {
      msg.textContent = err.name === 'NetworkError' ? '无法连接服务器：首次登录需要网络' : err.message;
    } finally {
      button.disabled = false;
      button.textContent = '登录';
    }
  } },
  field('用户名', user).wrap, field('密码', pass).wrap, msg, button);
  add(ctx.main, 
    h('div', { class: 'brand' }, h('img', { src: '/icons/icon.svg', alt: '', width: 64, height: 64 }),
      h('h1', { text: '便民服务外勤' }), h('p', { class: 'hint', text: '乡镇便民服务中心 · 上门服务 · 现场踏勘 · 回访' })),
    notice ? h('p', { class: 'box bad', role: 'alert', text: notice }) : null,
    prev && prev.expired ? h('p', { class: 'box warn', text: '登录已过期，请重新登录。未同步的数据仍保存在本机。' }) : null,
    form);
  return { form: true };
}

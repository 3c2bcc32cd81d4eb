/**
 * Devices and people: devices (user, app version, last contact, unsent backlog and storage
 * as the phones report them; revoke), users (add, disable/enable, reset password, centres
 * and role), centres with their windows, the matter catalogue (Excel/CSV import) and the
 * rubric templates. Users and devices come from the server; centres, matters and templates
 * are reference data the device syncs, edited as ops like any record. The server audits
 * every change.
 */

import { h, fmtTime, toast } from '../../ui.js';
import { list } from '../../store.js';
import { api, ServerRefused, screen, table } from './kit.js';
import { inlineForm } from './queues.js';
import { centresEditor, mattersEditor } from './catalogue.js';
import { templatesList } from './templates.js';
import { ROLES as ROLE_NAMES } from '../../labels.js';

const TABS = /** @type {[string, string][]} */ ([
  ['#/ws/admin?tab=devices', '设备'], ['#/ws/admin?tab=users', '人员'], ['#/ws/admin?tab=centres', '中心与窗口'],
  ['#/ws/admin?tab=matters', '事项目录'], ['#/ws/admin?tab=templates', '考评细则']]);

const mb = (b) => (typeof b === 'number' ? `${Math.round(b / 1048576 * 10) / 10} MB` : '—');
const when = (t) => (t ? fmtTime(typeof t === 'number' ? t : Date.parse(t)) : '—');

async function devices(ctx) {
  const body = await api(ctx.session, '/devices?limit=500');
  return table('设备', [
    { key: 'username', label: '用户' },
    { key: 'name', label: '设备' },
    { key: 'app', label: '应用版本', text: (d) => (d.status && d.status.app_version) || '—' },
    { key: 'last_seen', label: '最近联系', text: (d) => when(d.last_seen) },
    { key: 'pending', label: '未发送', num: true, text: (d) => (d.status && d.status.pending !== undefined ? String(d.status.pending) : '—') },
    { key: 'storage', label: '本机存储', text: (d) => mb(d.status && d.status.storage_bytes) },
    { key: 'revoked', label: '操作', text: (d) => (d.revoked ? h('span', { class: 'chip bad', text: '已停用' })
      : h('button', { class: 'btn small danger', type: 'button', text: '停用', 'aria-label': `停用 ${d.username} 的 ${d.name}`, onclick: async (e) => {
        if (!window.confirm(`停用 ${d.username} 的设备“${d.name}”？该设备下次联网时会清除本机数据。`)) return;
        try {
          await api(ctx.session, `/devices/${encodeURIComponent(d.id)}/revoke`, { method: 'POST', json: {} });
          /** @type {HTMLElement} */ (e.target).replaceWith(h('span', { class: 'chip bad', text: '已停用' }));
        } catch (err) { toast(`停用失败：${err.message}`, 'error'); }
      } })) },
  ], body.devices);
}

function userForm(ctx, centres) {
  const f = (label, input) => { input.id = `u-${label}`; return h('p', { class: 'field' }, h('label', { for: input.id, text: label }), input); };
  const username = h('input', { type: 'text', autocomplete: 'off', required: true });
  const name = h('input', { type: 'text' });
  const password = h('input', { type: 'password', autocomplete: 'new-password', minlength: '8', required: true });
  const role = h('select', null, Object.entries(ROLE_NAMES).map(([k, v]) => h('option', { value: k, text: v })));
  const centre = h('select', null, h('option', { value: '', text: '（无）' }), centres.map((c) => h('option', { value: c.id, text: c.data.name || c.id })));
  const out = h('p', { class: 'field-error', role: 'alert' });
  const form = h('form', { class: 'ws-form', novalidate: true, 'aria-label': '新增人员' },
    h('h2', { text: '新增人员' }), f('用户名', username), f('姓名', name), f('初始密码（至少 8 位）', password), f('角色', role), f('所属中心', centre),
    h('button', { class: 'btn primary', type: 'submit', text: '新增' }), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (el) => /** @type {HTMLInputElement} */ (el).value.trim();
    try {
      await api(ctx.session, '/users', { method: 'POST', json: { username: v(username), name: v(name), password: v(password), role: v(role),
        centre_ids: v(centre) ? [v(centre)] : [] } });
      toast('已新增');
      ctx.rerender();
    } catch (err) {
      out.textContent = err instanceof ServerRefused && err.body && err.body.error
        ? `${err.body.error.code === 'conflict' ? '用户名已存在' : err.body.error.message}` : err.message;
    }
  });
  return form;
}

async function users(ctx) {
  const [body, centres] = await Promise.all([api(ctx.session, '/users?limit=100'), list('centres')]);
  const names = new Map(centres.map((c) => [c.id, c.data.name || c.id]));
  return h('div', null, table('人员', [
    { key: 'username', label: '用户名' },
    { key: 'name', label: '姓名' },
    { key: 'role', label: '角色', text: (u) => ROLE_NAMES[u.role] || u.role },
    { key: 'centres', label: '中心', text: (u) => (u.centre_ids || []).map((c) => names.get(c) || c).join('、') },
    { key: 'disabled', label: '状态', text: (u) => (u.disabled ? '已停用' : '在用') },
    { key: 'ops', label: '操作', text: (u) => h('div', { class: 'ws-actions' },
      u.disabled
        ? h('button', { class: 'btn small', type: 'button', text: '启用', 'aria-label': `启用 ${u.username}`, onclick: () => act(ctx, `/users/${u.id}/enable`, {}, '已启用') })
        : h('button', { class: 'btn small danger', type: 'button', text: '停用', 'aria-label': `停用 ${u.username}`, onclick: () => act(ctx, `/users/${u.id}/disable`, {}, '已停用，其设备已全部停用') }),
      inlineForm(`${u.username} 的新密码`, '重置密码', async (password) => {
        await api(ctx.session, `/users/${u.id}/reset-password`, { method: 'POST', json: { password } });
        toast('密码已重置');
      }),
      u.id === ctx.session.user.id ? null : accessForm(ctx, u, centres)) },
  ], body.items), userForm(ctx, centres));
}

/**
 * A user's role and centre (their devices are reset at the next sync: the scope changed).
 * @param {any} ctx
 * @param {any} u the user
 * @param {any[]} centres
 */
function accessForm(ctx, u, centres) {
  const id = `acc-${u.id}`;
  const role = /** @type {HTMLSelectElement} */ (h('select', { id: `${id}-role` }, Object.entries(ROLE_NAMES).map(([k, v]) => h('option', { value: k, text: v, selected: k === u.role }))));
  const centre = /** @type {HTMLSelectElement} */ (h('select', { id: `${id}-centre` }, h('option', { value: '', text: '（无）' }),
    centres.map((c) => h('option', { value: c.id, text: c.data.name || c.id, selected: (u.centre_ids || [])[0] === c.id }))));
  const form = h('form', { class: 'ws-inline', 'aria-label': `${u.username} 的角色与中心` },
    h('label', { for: role.id, text: '角色' }), role, h('label', { for: centre.id, text: '中心' }), centre,
    h('button', { class: 'btn small', type: 'submit', text: '保存权限' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api(ctx.session, `/users/${u.id}/access`, { method: 'PUT', json: { role: role.value, centre_ids: centre.value ? [centre.value] : [] } });
      toast('已保存，该用户的设备下次同步时按新权限重置');
      ctx.rerender();
    } catch (err) { toast(`保存失败：${err.message}`, 'error'); }
  });
  return form;
}

async function act(ctx, path, json, done) {
  try {
    await api(ctx.session, path, { method: 'POST', json });
    toast(done);
    ctx.rerender();
  } catch (err) { toast(`失败：${err.message}`, 'error'); }
}

async function matters(ctx) {
  const file = /** @type {HTMLInputElement} */ (h('input', { type: 'file', id: 'matters-file', accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }));
  const out = h('div', { role: 'status' });
  const form = h('form', { class: 'ws-form', 'aria-label': '导入事项目录' },
    h('h2', { text: '导入事项目录（Excel 或 CSV）' }),
    h('p', { class: 'hint', text: '列：事项名称、办件类型、承诺时限、设定依据、申请材料、收费标准。全部无误才导入；再次导入同名事项会更新。' }),
    h('p', { class: 'field' }, h('label', { for: 'matters-file', text: '目录文件' }), file),
    h('button', { class: 'btn primary', type: 'submit', text: '导入' }), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files && file.files[0];
    if (!f) { out.textContent = '请选择文件'; file.focus(); return; }
    const xlsx = /\.xlsx$/i.test(f.name);
    const county = ctx.session.user.county_id || '';
    try {
      const r = await api(ctx.session, `/matters/import${county ? `?county_id=${encodeURIComponent(county)}` : ''}`, { method: 'POST', body: await f.arrayBuffer(),
        headers: { 'Content-Type': xlsx ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv' } });
      out.replaceChildren(h('p', { class: 'box', text: `已导入 ${r.imported} 项事项，同步后显示在下表。` }));
    } catch (err) {
      const problems = (err.body && err.body.error && err.body.error.details && err.body.error.details.problems) || [];
      out.replaceChildren(h('div', { class: 'box bad', role: 'alert' }, h('p', { text: `未导入：${err.message}` }),
        h('ul', null, problems.slice(0, 50).map((p) => h('li', { text: `第 ${p.row} 行 ${p.column}：${p.message}` })))));
    }
  });
  return h('div', null, form, await mattersEditor(ctx));
}

/** #/ws/admin?tab=devices|users|centres|matters|templates */
export async function adminView(ctx) {
  const tab = ['devices', 'users', 'centres', 'matters', 'templates'].includes(ctx.query.get('tab') || '') ? ctx.query.get('tab') : 'devices';
  const body = { devices, users, centres: centresEditor, matters, templates: templatesList }[tab];
  await screen(ctx, '设备与人员', () => body(ctx), TABS);
  return { live: false };
}



/**
 * Centres with their windows, and the matter catalogue (政务服务事项目录), one record at a
 * time, in the county workspace (the Excel import is beside it in admin.js). Centres and
 * matters are reference data the workspace device syncs, so each save is an op through the
 * outbox like every edit, based on the device's copy; the server judges it by the schemas
 * (`writers`: supervisors and admins) and keeps it in the audit log. Problems are shown at
 * their field in Chinese: first the schema's own checks on the device, then whatever the
 * server still refuses (its `details.path` names the field; the refused op is dropped from
 * the outbox, the server keeps it in quarantine).
 *
 * A window (`centres.windows.<key>`) has a number, a name, its unit, a phone, whether it is
 * open, and the matters it serves (`matter_ids`); the matter form edits the same link from
 * the matter's side (承办窗口), as ops on the centres concerned.
 */

import { h, field, select } from '../../ui.js';
import { discardOp, edit, list, outbox, uuid } from '../../store.js';
import { kick } from '../../scheduler.js';
import { validate } from '../../schema.js';
import { canSet } from '../../rights.js';
import { reasonText, enumLabel } from '../../labels.js';
import { FormProblems } from '../../errors.js';
import { clearProblems, showProblems } from '../../forms.js';
import { go } from '../../router.js';
import { table } from './kit.js';

const KINDS = /** @type {[string, string][]} */ ([['immediate', '即办件'], ['time_limited', '承诺件'], ['joint', '联办件']]);

/** Chinese names of the paths these forms write (the last segment of a window's path). */
const LABELS = {
  name: '名称', code: '编码', address: '地址', phone: '联系电话', complaint_phone: '投诉电话', hours: '办公时间',
  county_id: '所属县', kind: '办件类型', time_limit_days: '承诺时限（工作日）', department: '实施部门',
  legal_basis: '设定依据', materials: '申请材料', fee: '收费标准', active: '在用', home_service: '可上门办理',
  number: '窗口编号', unit: '所属单位', matter_ids: '办理事项',
};
const labelOf = (path) => LABELS[path.split('.').pop() || ''] || path;

/**
 * The schema's checks on an op's `set`, with each message naming the field as the form does.
 * @param {string} collection
 * @param {Record<string, any>} set
 */
function checks(collection, set) {
  return validate(collection, set).map((p) => ({ path: p.path, message: `${labelOf(p.path)}：${p.message.split('：').slice(1).join('：') || p.message}` }));
}

/**
 * Save an op and send it at once. A refusal by the server is turned into the form's
 * problems (at the field its `details.path` names) and the op leaves the outbox.
 * @param {string} collection
 * @param {string} id
 * @param {Record<string, any>} set
 * @returns {Promise<'sent' | 'queued'>}
 */
async function save(collection, id, set) {
  const op = await edit(collection, id, set);
  await kick('manual');
  const left = (await outbox()).find((o) => o.id === op.id);
  if (!left) return 'sent';
  if (left.state !== 'rejected') return 'queued';
  await discardOp(left.seq);
  const path = (left.error && left.error.details && left.error.details.path) || '';
  throw new FormProblems([{ path, message: reasonText(collection, left.error) }]);
}

/** What the last save said, shown by the form drawn after it (the screen is redrawn). */
let flash = { kind: '', text: '' };

/**
 * A workspace form: fields (ui.field wraps, controls named by their path), an alert line for
 * problems without a field, and one submit button; `submit` throws FormProblems to show them.
 * @param {string} kind which form ('centre', 'window', 'matter'): the one that shows `flash`
 * @param {string} title
 * @param {any[]} fields
 * @param {() => Promise<string>} submit resolves with what to announce
 */
function wsForm(kind, title, fields, submit) {
  const alertLine = h('p', { class: 'error', role: 'alert' });
  const done = h('p', { class: 'hint', role: 'status', text: flash.kind === kind ? flash.text : '' });
  if (flash.kind === kind) flash = { kind: '', text: '' };
  const button = /** @type {HTMLButtonElement} */ (h('button', { class: 'btn primary', type: 'submit', text: '保存' }));
  const form = /** @type {HTMLFormElement} */ (h('form', { class: 'ws-form', novalidate: true, 'aria-label': title },
    h('h2', { text: title }), fields, alertLine, button, done));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    clearProblems(form, alertLine);
    done.textContent = '';
    try {
      const said = await submit();
      done.textContent = said;
    } catch (err) {
      if (err instanceof FormProblems) showProblems(form, err.problems, alertLine);
      else alertLine.textContent = /** @type {Error} */ (err).message;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** A text input named by its path. */
const text = (path, value, attrs = {}) => /** @type {HTMLInputElement} */ (h('input', { type: 'text', name: path, value: value ?? '', ...attrs }));
const val = (el) => /** @type {HTMLInputElement} */ (el).value.trim();

/** Set `set[path]` to the new value when it differs from the stored one ('' clears). */
function changed(set, path, value, old) {
  const none = (x) => x === undefined || x === null || x === '' || (Array.isArray(x) && !x.length);
  if (none(value) && none(old)) return;
  if (JSON.stringify(value ?? null) !== JSON.stringify(old ?? null)) set[path] = none(value) ? null : value;
}

/** A fieldset of checkboxes (44 px rows): [value, label, checked]. */
function checkList(legend, name, options) {
  return h('fieldset', { class: 'ws-checks' }, h('legend', { text: legend }),
    options.length ? options.map(([v, label, on]) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name, value: v, checked: on }), ` ${label}`)) : h('p', { class: 'hint', text: '暂无' }));
}
const checkedIn = (form, name) => [...form.querySelectorAll(`input[name="${CSS.escape(name)}"]`)]
  .filter((c) => /** @type {HTMLInputElement} */ (c).checked).map((c) => /** @type {HTMLInputElement} */ (c).value);

const windowList = (c) => Object.entries(c.data.windows || {}).filter(([, w]) => w && typeof w === 'object')
  .sort(([a, x], [b, y]) => String(x.number || x.name || a).localeCompare(String(y.number || y.name || b), 'zh-CN', { numeric: true }));
const windowName = (w) => [w.number, w.name].filter(Boolean).join(' ') || '（未命名窗口）';
const newKey = (prefix) => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** The counties the user manages: their own, or (an admin) every one a centre names. */
function countiesOf(ctx, centres) {
  const own = ctx.session.user.county_id;
  return own ? [own] : [...new Set(centres.map((c) => c.data.county_id).filter(Boolean))].sort();
}

// -- centres and windows -------------------------------------------------------------------

function centreForm(ctx, centre, centres) {
  const d = centre ? centre.data : {};
  const counties = countiesOf(ctx, centres);
  const inputs = {
    name: text('name', d.name, { maxlength: '100', autocomplete: 'off' }),
    address: text('address', d.address, { maxlength: '2000' }),
    phone: text('phone', d.phone, { type: 'tel', inputmode: 'tel' }),
    complaint_phone: text('complaint_phone', d.complaint_phone, { type: 'tel', inputmode: 'tel' }),
    hours: text('hours', d.hours, { maxlength: '2000' }),
  };
  const county = centre || counties.length < 2 ? null : select(counties.map((k) => [k, k]), counties[0], false);
  if (county) county.setAttribute('name', 'county_id');
  const fields = [
    field('中心名称', inputs.name).wrap,
    county ? field('所属县', county).wrap : null,
    field('地址', inputs.address).wrap,
    field('联系电话', inputs.phone).wrap,
    field('投诉电话', inputs.complaint_phone, '公开在中心的政务公开页').wrap,
    field('办公时间', inputs.hours, '如：工作日 8:30–12:00，14:30–17:30').wrap,
  ];
  return wsForm('centre', centre ? `编辑中心：${d.name || centre.id}` : '新增中心', fields, async () => {
    /** @type {Record<string, any>} */
    const set = {};
    for (const [k, el] of Object.entries(inputs)) changed(set, k, val(el), d[k]);
    const problems = [];
    if (!val(inputs.name)) problems.push({ path: 'name', message: '请填写中心名称' });
    const id = centre ? centre.id : `c-${uuid().slice(0, 8)}`;
    if (!centre) {
      const k = county ? county.value : counties[0];
      if (!k) problems.push({ path: 'name', message: '不知道新中心属于哪个县：请先由管理员在命令行建立该县的第一个中心' });
      set.county_id = k;
    }
    problems.push(...checks('centres', set));
    if (problems.length) throw new FormProblems(problems);
    if (!Object.keys(set).length) return '没有修改';
    const how = await save('centres', id, set);
    flash = { kind: 'centre', text: how === 'queued' ? '已保存，联网后发送' : '已保存' };
    if (!centre) go(`#/ws/admin?tab=centres&centre=${encodeURIComponent(id)}`);
    else ctx.rerender();
    return flash.text;
  });
}

function windowForm(ctx, centre, key, matters) {
  const w = (centre.data.windows || {})[key] || {};
  const isNew = !(centre.data.windows || {})[key];
  const p = (k) => `windows.${key}.${k}`;
  const inputs = {
    number: text(p('number'), w.number, { maxlength: '20', autocomplete: 'off' }),
    name: text(p('name'), w.name, { maxlength: '100', autocomplete: 'off' }),
    unit: text(p('unit'), w.unit, { maxlength: '100' }),
    phone: text(p('phone'), w.phone, { type: 'tel', inputmode: 'tel' }),
  };
  const active = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', name: p('active'), id: `wa-${key}`, checked: w.active !== false }));
  const served = new Set(w.matter_ids || []);
  const fields = [
    field('窗口编号', inputs.number, '如：3 号窗口填 3').wrap,
    field('窗口名称', inputs.name, '如：社会保障窗口').wrap,
    field('所属单位', inputs.unit).wrap,
    field('窗口电话', inputs.phone).wrap,
    h('div', { class: 'field check' }, active, h('label', { for: active.id, text: '在用（公开页显示）' })),
    checkList('办理事项', p('matter_ids'), matters.map((m) => [m.id, m.data.name || m.id, served.has(m.id)])),
  ];
  return wsForm('window', isNew ? `新增窗口：${centre.data.name || centre.id}` : `编辑窗口：${windowName(w)}`, fields, async () => {
    /** @type {Record<string, any>} */
    const set = {};
    for (const [k, el] of Object.entries(inputs)) changed(set, p(k), val(el), w[k]);
    if (active.checked !== (w.active !== false) || isNew) set[p('active')] = active.checked;
    // Matters not offered here (no longer in use) stay served until edited elsewhere.
    const ids = [...checkedIn(/** @type {HTMLFormElement} */ (active.form), p('matter_ids')),
      ...[...served].filter((m) => !matters.some((x) => x.id === m))];
    changed(set, p('matter_ids'), ids, w.matter_ids || []);
    const problems = [];
    if (!val(inputs.name)) problems.push({ path: p('name'), message: '请填写窗口名称' });
    problems.push(...checks('centres', set));
    if (problems.length) throw new FormProblems(problems);
    if (!Object.keys(set).length) return '没有修改';
    const how = await save('centres', centre.id, set);
    flash = { kind: 'window', text: how === 'queued' ? '已保存，联网后发送' : '已保存' };
    go(`#/ws/admin?tab=centres&centre=${encodeURIComponent(centre.id)}&window=${encodeURIComponent(key)}`);
    return flash.text;
  });
}

/** #/ws/admin?tab=centres[&centre=<id>|new][&window=<key>|new] */
export async function centresEditor(ctx) {
  const [centres, matters] = await Promise.all([list('centres'), list('matters')]);
  const live = centres.filter((c) => !c.deleted).sort((a, b) => String(a.data.name || '').localeCompare(String(b.data.name || ''), 'zh-CN'));
  const role = ctx.session.user.role;
  const may = canSet(role, 'centres', 'name');
  const pickId = ctx.query.get('centre') || '';
  const centre = live.find((c) => c.id === pickId) || null;
  const base = '#/ws/admin?tab=centres';
  const parts = [table('中心与窗口', [
    { key: 'name', label: '中心', text: (c) => h('a', { href: `/public/centres/${encodeURIComponent(c.id)}`, text: c.data.name || c.id }) },
    { key: 'phone', label: '投诉电话', text: (c) => c.data.complaint_phone || '—' },
    { key: 'windows', label: '窗口', text: (c) => windowList(c).map(([, w]) => windowName(w)).join('、') || '—' },
    { key: 'edit', label: '操作', text: (c) => (may ? h('a', { class: 'btn small', href: `${base}&centre=${encodeURIComponent(c.id)}`,
      text: '编辑', 'aria-label': `编辑 ${c.data.name || c.id}` }) : '—') },
  ], live)];
  if (!may) return h('div', null, parts, h('p', { class: 'hint', text: '只有督查人员和管理员可以修改中心与窗口。' }));
  parts.push(h('p', null, h('a', { class: 'btn', href: `${base}&centre=new`, text: '新增中心' })));
  if (pickId === 'new') parts.push(centreForm(ctx, null, live));
  if (centre) {
    const county = matters.filter((m) => !m.deleted && m.data.county_id === centre.data.county_id && m.data.active !== false)
      .sort((a, b) => String(a.data.name || '').localeCompare(String(b.data.name || ''), 'zh-CN'));
    const here = `${base}&centre=${encodeURIComponent(centre.id)}`;
    const wkey = ctx.query.get('window') || '';
    parts.push(centreForm(ctx, centre, live),
      h('section', { class: 'ws-form', 'aria-labelledby': 'ws-win-h' }, h('h2', { id: 'ws-win-h', text: `${centre.data.name || centre.id} 的窗口` }),
        h('ul', { class: 'ws-list', 'aria-label': '窗口' }, windowList(centre).map(([k, w]) => h('li', { class: 'ws-row' },
          h('span', { class: 'ws-row-title', text: windowName(w) }),
          w.active === false ? h('span', { class: 'chip', text: '停用' }) : null,
          h('span', { class: 'hint', text: `办理事项 ${(w.matter_ids || []).length} 项` }),
          h('a', { class: 'btn small', href: `${here}&window=${encodeURIComponent(k)}`, text: '编辑', 'aria-label': `编辑窗口 ${windowName(w)}` }))),
        windowList(centre).length ? null : h('li', { class: 'empty', text: '还没有窗口' })),
        h('a', { class: 'btn', href: `${here}&window=new`, text: '新增窗口' })));
    if (wkey) parts.push(windowForm(ctx, centre, wkey === 'new' ? newKey('w') : wkey, county));
  }
  return h('div', null, parts);
}

// -- matters -------------------------------------------------------------------------------

/** The id the Excel import gives a county's matter of that name (server/catalogue.py). */
async function matterId(county, name) {
  const bytes = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${county}|${name}`));
  return `m-${[...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('').slice(0, 16)}`;
}

function matterForm(ctx, matter, matters, centres) {
  const d = matter ? matter.data : {};
  const counties = countiesOf(ctx, centres);
  const county = matter ? d.county_id : counties[0];
  const kind = /** @type {HTMLSelectElement} */ (select(KINDS, d.kind));
  kind.name = 'kind';
  const inputs = {
    name: text('name', d.name, { maxlength: '100', autocomplete: 'off' }),
    time_limit_days: text('time_limit_days', d.time_limit_days ?? '', { inputmode: 'numeric', maxlength: '3' }),
    department: text('department', d.department, { maxlength: '100' }),
    fee: text('fee', d.fee, { maxlength: '2000' }),
  };
  const basis = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'legal_basis', rows: 3 }));
  basis.value = d.legal_basis || '';
  const materials = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'materials', rows: 4 }));
  materials.value = (d.materials || []).join('\n');
  const active = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', name: 'active', id: 'mf-active', checked: d.active !== false }));
  const countySel = matter || counties.length < 2 ? null : select(counties.map((k) => [k, k]), county, false);
  if (countySel) countySel.setAttribute('name', 'county_id');
  const id = matter ? matter.id : '';
  const windows = centres.filter((c) => c.data.county_id === (countySel ? countySel.value : county))
    .flatMap((c) => windowList(c).map(([k, w]) => [`${c.id}|${k}`, `${c.data.name || c.id} · ${windowName(w)}`,
      !!id && (w.matter_ids || []).includes(id)]));
  const fields = [
    field('事项名称', inputs.name).wrap,
    countySel ? field('所属县', countySel).wrap : null,
    field('办件类型', kind).wrap,
    field('承诺时限（工作日）', inputs.time_limit_days, '即办件填 0').wrap,
    field('实施部门', inputs.department).wrap,
    field('设定依据', basis).wrap,
    field('申请材料', materials, '每行一项').wrap,
    field('收费标准', inputs.fee, '不收费请填“不收费”').wrap,
    h('div', { class: 'field check' }, active, h('label', { for: 'mf-active', text: '在用（公开页显示）' })),
    checkList('承办窗口', 'windows', /** @type {[string, string, boolean][]} */ (windows)),
  ];
  return wsForm('matter', matter ? `编辑事项：${d.name || matter.id}` : '新增事项', fields, async () => {
    const name = val(inputs.name);
    const daysText = val(inputs.time_limit_days);
    const problems = [];
    if (!name) problems.push({ path: 'name', message: '请填写事项名称' });
    if (!kind.value) problems.push({ path: 'kind', message: '请选择办件类型' });
    let days = null;
    if (!daysText && kind.value === 'immediate') days = 0;
    else if (!/^\d{1,3}$/.test(daysText)) problems.push({ path: 'time_limit_days', message: daysText ? '承诺时限：请填写 0–365 的整数' : '请填写承诺时限（工作日）' });
    else days = Number(daysText);
    if (kind.value === 'immediate' && days) problems.push({ path: 'time_limit_days', message: '即办件的承诺时限应为 0' });
    const list2 = materials.value.split('\n').map((s) => s.trim()).filter(Boolean);
    /** @type {Record<string, any>} */
    const set = {};
    changed(set, 'name', name, d.name);
    changed(set, 'kind', kind.value, d.kind);
    if (days !== null) changed(set, 'time_limit_days', days, d.time_limit_days);
    changed(set, 'department', val(inputs.department), d.department);
    changed(set, 'fee', val(inputs.fee), d.fee);
    changed(set, 'legal_basis', basis.value.trim(), d.legal_basis);
    changed(set, 'materials', list2, d.materials || []);
    if (active.checked !== (d.active !== false) || !matter) set.active = active.checked;
    let rid = id;
    if (!matter) {
      const k = countySel ? countySel.value : county;
      if (!k) problems.push({ path: 'name', message: '不知道事项属于哪个县' });
      set.county_id = k;
      if (name && k) {
        rid = await matterId(k, name);
        if (matters.some((m) => m.id === rid && !m.deleted)) problems.push({ path: 'name', message: '本县已有同名事项，请在目录中编辑它' });
      }
    }
    problems.push(...checks('matters', set));
    if (problems.length) throw new FormProblems(problems);
    const form = /** @type {HTMLFormElement} */ (active.form);
    const picked = new Set(checkedIn(form, 'windows'));
    const moves = windows.filter(([v, , on]) => on !== picked.has(/** @type {string} */ (v)));
    if (!Object.keys(set).length && !moves.length) return '没有修改';
    let how = Object.keys(set).length ? await save('matters', rid, set) : 'sent';
    // The matters a window serves live on the window: one op per centre whose windows change.
    const byCentre = new Map();
    for (const [v] of moves) {
      const [cid, key] = String(v).split('|');
      const c = centres.find((x) => x.id === cid);
      const now = new Set(((c.data.windows || {})[key] || {}).matter_ids || []);
      if (picked.has(String(v))) now.add(rid); else now.delete(rid);
      byCentre.set(cid, { ...(byCentre.get(cid) || {}), [`windows.${key}.matter_ids`]: [...now] });
    }
    for (const [cid, s] of byCentre) if ((await save('centres', cid, s)) === 'queued') how = 'queued';
    flash = { kind: 'matter', text: how === 'queued' ? '已保存，联网后发送' : '已保存' };
    if (!matter) go(`#/ws/admin?tab=matters&matter=${encodeURIComponent(rid)}`);
    else ctx.rerender();
    return flash.text;
  });
}

/** The catalogue table with edit links and the single-matter form (#/ws/admin?tab=matters[&matter=<id>|new]). */
export async function mattersEditor(ctx) {
  const [matters, centres] = await Promise.all([list('matters'), list('centres')]);
  const rows = matters.filter((m) => !m.deleted).sort((a, b) => String(a.data.name || '').localeCompare(String(b.data.name || ''), 'zh-CN'));
  const live = centres.filter((c) => !c.deleted);
  const may = canSet(ctx.session.user.role, 'matters', 'name');
  const base = '#/ws/admin?tab=matters';
  const served = (m) => live.flatMap((c) => windowList(c).filter(([, w]) => (w.matter_ids || []).includes(m.id))
    .map(([, w]) => `${c.data.name || c.id} ${windowName(w)}`)).join('、') || '—';
  const pick = ctx.query.get('matter') || '';
  const matter = rows.find((m) => m.id === pick) || null;
  return h('div', null,
    may ? h('p', null, h('a', { class: 'btn', href: `${base}&matter=new`, text: '新增事项' })) : null,
    pick === 'new' && may ? matterForm(ctx, null, rows, live) : null,
    matter && may ? matterForm(ctx, matter, rows, live) : null,
    table('事项目录', [
      { key: 'name', label: '事项名称', text: (m) => m.data.name },
      { key: 'kind', label: '办件类型', text: (m) => enumLabel('matters', 'kind', m.data.kind || '') || '—' },
      { key: 'days', label: '承诺时限（工作日）', num: true, text: (m) => String(m.data.time_limit_days ?? '—') },
      { key: 'fee', label: '收费标准', text: (m) => m.data.fee || '—' },
      { key: 'windows', label: '承办窗口', text: served },
      { key: 'edit', label: '操作', text: (m) => (may ? h('a', { class: 'btn small', href: `${base}&matter=${encodeURIComponent(m.id)}`,
        text: '编辑', 'aria-label': `编辑 ${m.data.name || m.id}` }) : '—') },
    ], rows));
}

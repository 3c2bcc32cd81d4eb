/**
 * Pieces several views share: record badges, the conflict and rejection boxes shown on a
 * record, attachment images, names of matters and centres, value formatting.
 */

import { add, h, fmtTime, toast } from '../ui.js';
import { enumLabel, fieldLabel, reasonText } from '../labels.js';
import { get, getBlob, getMeta, getPath, list, markResolved, uuid } from '../store.js';
import { kick } from '../scheduler.js';
import { call } from '../api.js';
import { go, onLeave } from '../router.js';
import { FormProblems } from '../errors.js';
import { clearProblems, showProblems } from '../forms.js';
import { settle } from '../keep.js';

/**
 * An object URL that lives as long as the current screen.
 * @param {Blob} blob
 */
export function screenUrl(blob) {
  const u = URL.createObjectURL(blob);
  onLeave(() => URL.revokeObjectURL(u));
  return u;
}

/**
 * A value as people read it.
 * @param {string} collection
 * @param {string} path
 * @param {any} v
 */
export function valueText(collection, path, v) {
  if (v === null || v === undefined || v === '') return '（空）';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (/_(at|due)$/.test(path) && typeof v === 'number') return fmtTime(v);
  if (Array.isArray(v)) return path === 'photos' ? `${v.length} 张照片` : v.join('、');
  if (path === 'signature') return '已签名';
  if (typeof v === 'object') return JSON.stringify(v);
  const label = enumLabel(collection, path, String(v));
  return label || String(v);
}

/**
 * Small chips after a record's title: unsent, rejected, conflict.
 * @param {any} rec merged record
 */
export function badges(rec) {
  return [
    rec.pending ? h('span', { class: 'chip warn', text: '待同步' }) : null,
    rec.rejected.length ? h('span', { class: 'chip bad', text: '被退回' }) : null,
    rec.conflicts.length ? h('span', { class: 'chip bad', text: '有冲突' }) : null,
  ];
}

/**
 * The record's rejected changes: the reason, and a way to fix and resend them.
 * @param {any} rec merged record
 */
export function rejectedBox(rec) {
  if (!rec.rejected.length) return null;
  const status = (v) => enumLabel(rec.collection, 'status', v) || String(v);
  return h('section', { class: 'box bad', 'aria-label': '被退回的更改' },
    h('h2', { text: `${rec.rejected.length} 项更改被服务器退回` }),
    rec.rejected.map((op) => h('p', { text: `${op.set && op.set.status !== undefined ? `状态改为“${status(op.set.status)}”未生效。` : ''}`
      + `${reasonText(rec.collection, op.error)}（${fmtTime(op.at)}）` })),
    h('p', { class: 'hint', text: '您填写的内容仍保留在本机，可在同步页修改后重新发送，或放弃这项更改。' }),
    h('a', { class: 'btn', href: '#/sync', text: '去修改并重新发送' }));
}

/**
 * A page header's status chip: the status as it stands (the server's, with changes still
 * going out; never one the server refused), and beside it the refused one marked as such.
 * @param {any} rec merged record
 * @param {string} cls the chip's class prefix (cs- cases, cp- complaints)
 * @param {(v: any) => string} label
 * @param {string} [fallback] the status shown when the record has none
 */
export function statusChips(rec, cls, label, fallback = '') {
  const now = (rec.standing || rec.data).status || fallback;
  const refused = [...rec.rejected].reverse().find((o) => o.set && o.set.status !== undefined);
  return [h('span', { class: `chip ${cls}${now}`, text: label(now) }),
    refused && refused.set.status !== now
      ? [' ', h('span', { class: 'chip bad refused', text: `改为“${label(refused.set.status)}”被拒绝` })] : null];
}

/**
 * Conflicts on a record: the value kept and the other one, both shown; supervisors can
 * choose (the server resolves, the choice syncs back like any change).
 * @param {any} rec merged record
 * @param {any} session
 * @param {() => void} [after] called after a resolution
 */
export function conflictBox(rec, session, after) {
  const pendingBox = rec.resolving && rec.resolving.length ? h('section', { class: 'box warn', 'aria-label': '冲突处理待同步' },
    h('p', { text: `已处理 ${rec.resolving.length} 处冲突，等待同步` }),
    rec.resolving.map((c) => h('p', { class: 'hint',
      text: `${fieldLabel(rec.collection, c.path)}：${c.choose === 'kept' ? `改用另一值（${valueText(rec.collection, c.path, c.value)}）` : '保留当前值'}` })))
    : null;
  if (!rec.conflicts.length) return pendingBox;
  const canResolve = session && ['supervisor', 'admin'].includes(session.user.role);
  return [pendingBox, h('section', { class: 'box bad conflicts', 'aria-label': '冲突' },
    h('h2', { text: '同时修改产生冲突' }),
    h('p', { class: 'hint', text: '两台设备离线时改了同一项。系统采用较晚的修改，另一值保留在此，督查人员可以改用。' }),
    rec.conflicts.map((c) => h('div', { class: 'conflict' },
      h('p', { class: 'conflict-field', text: fieldLabel(rec.collection, c.path) }),
      h('p', null, h('span', { class: 'k', text: '当前采用：' }),
        // The server's winner (rec.synced), not this phone's unsent edits on top of it.
        h('span', { class: 'current', text: valueText(rec.collection, c.path,
          c.path === '_deleted' ? rec.deleted : getPath(rec.synced || rec.data, c.path)) })),
      h('p', null, h('span', { class: 'k', text: '另一值：' }),
        h('span', { class: 'other', text: valueText(rec.collection, c.path, c.value) }),
        h('span', { class: 'hint', text: ` （${fmtTime(c.at)}）` })),
      canResolve ? h('div', { class: 'row' },
        h('button', { class: 'btn small', type: 'button', text: '改用另一值', onclick: () => resolve(rec, session, c.id, 'kept', after) }),
        h('button', { class: 'btn small', type: 'button', text: '保留当前值', onclick: () => resolve(rec, session, c.id, 'current', after) }))
        : null)))];
}

async function resolve(rec, session, id, choose, after) {
  try {
    const r = await call(`/conflicts/${encodeURIComponent(id)}/resolve`, { method: 'POST', token: session.token, json: { choose } });
    if (!r.ok) throw new Error(r.status === 403 ? '无权处理' : r.status === 404 ? '冲突已不存在' : `服务器拒绝（${r.status}）`);
  } catch (err) {
    toast(`处理失败：${err.message}（需联网）`, 'error');
    return;
  }
  // The server has it: the box goes at once, shown as pending until the record's new
  // version arrives with the next sync (started now).
  await markResolved(rec.collection, rec.id, id, choose);
  toast('已处理冲突，等待同步');
  if (after) after();
  kick('manual').catch(() => {});
}

/**
 * An <img> of an attachment: from the device if it is here, else from the server.
 * @param {string} sha
 * @param {string} alt
 * @param {string} [token]
 */
export function attachmentImg(sha, alt, token) {
  const img = /** @type {HTMLImageElement} */ (h('img', { class: 'thumb', alt, loading: 'lazy' }));
  (async () => {
    const blob = await getBlob(sha);
    if (blob) {
      img.src = screenUrl(new Blob([blob.data], { type: blob.type }));
      return;
    }
    if (!token) return;
    const res = await fetch(`/api/v1/attachments/${sha}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(String(res.status));
    img.src = screenUrl(await res.blob());
  })().catch(() => { img.alt = `${alt}（联网后可查看）`; img.classList.add('missing'); });
  return img;
}

/** Matter names by id (county reference data, synced). */
export async function matterNames() {
  const map = new Map();
  for (const m of await list('matters')) map.set(m.id, m.data.name || m.id);
  return map;
}

/** Centre names by id. */
export async function centreNames() {
  const map = new Map();
  for (const c of await list('centres')) map.set(c.id, c.data.name || c.id);
  return map;
}

/** The signed-in session (user, token). */
export const session = () => getMeta('session');

/**
 * A row of the primary actions, kept at the bottom within thumb reach.
 * @param {...HTMLElement} buttons
 */
export function actionBar(...buttons) {
  return h('div', { class: 'actions' }, buttons);
}

/**
 * A button that navigates.
 * @param {string} text
 * @param {string} hash
 * @param {string} [cls]
 */
export function navButton(text, hash, cls = 'btn') {
  return h('button', { type: 'button', class: cls, text, onclick: () => go(hash) });
}

/**
 * A definition row (label: value), skipped when the value is empty.
 * @param {string} label
 * @param {any} value string or node
 */
export function row(label, value) {
  if (value === undefined || value === null || value === '') return null;
  return h('div', { class: 'kv' }, h('dt', { text: label }), h('dd', null, value));
}

/**
 * A case's one-line title.
 * @param {any} c merged case
 * @param {Map<string,string>} matters
 */
export function caseTitle(c, matters) {
  const who = (c.data.applicant && c.data.applicant.name) || '未填申请人';
  const what = matters.get(c.data.matter_id) || c.data.matter_id || '';
  return what ? `${who} · ${what}` : who;
}

/**
 * What a case, complaint or visit is, in a line, as this phone holds it (for the inbox and
 * the 问责 list): a case's applicant and matter, a complaint's first words, a visit's kind and
 * applicant; '' for anything else.
 * @param {string} collection
 * @param {any} r merged record
 * @param {Map<string,string>} matters
 */
export function subjectTitle(collection, r, matters) {
  if (collection === 'cases') return caseTitle(r, matters);
  if (collection === 'complaints') return String(r.data.content || '').slice(0, 30);
  if (collection === 'visits') {
    return [enumLabel('visits', 'kind', r.data.kind), r.data.applicant && r.data.applicant.name].filter(Boolean).join(' · ');
  }
  return '';
}

/**
 * A record (merged) for a view, or null after saying `notFound` on the screen.
 * @param {any} ctx the view context
 * @param {string} collection
 * @param {string} id
 * @param {string} notFound
 */
export async function found(ctx, collection, id, notFound) {
  const rec = await get(collection, id);
  if (!rec) add(ctx.main, h('p', { class: 'empty', text: notFound }));
  return rec;
}

/**
 * The record a form edits: a new id for #/…/new, else the stored record (merged). Renders
 * "not found" and returns null when it is gone.
 * @param {any} ctx the view context
 * @param {string} collection
 * @param {string} notFound what to say when the record is gone
 */
export async function formRecord(ctx, collection, notFound) {
  const isNew = ctx.params[0] === 'new';
  const id = isNew ? uuid() : ctx.params[0];
  const existing = isNew ? null : await found(ctx, collection, id, notFound);
  if (!isNew && !existing) return null;
  const me = ctx.session.user;
  return { isNew, id, existing, data: existing ? existing.data : {}, me, centres: me.centre_ids || [] };
}

/**
 * A record form: the fields, an error line, 取消 and 保存. 保存 is disabled while `submit`
 * runs, so a double tap saves once. `submit` throws FormProblems to have each message shown
 * at its field (forms.showProblems, which focuses the first); anything else it throws is
 * shown on the form's alert line.
 * @param {any[]} fields
 * @param {() => Promise<void>} submit
 * @returns {HTMLFormElement}
 */
export function recordForm(fields, submit) {
  const alertLine = h('p', { class: 'error', role: 'alert' });
  const save = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'btn primary', text: '保存' }));
  const form = /** @type {HTMLFormElement} */ (h('form', { class: 'form', novalidate: true, 'data-settles': 'on-save', onsubmit: async (e) => {
    e.preventDefault();
    if (save.disabled) return;
    save.disabled = true;
    clearProblems(form, alertLine);
    try {
      await submit();
      settle(form);
    } catch (err) {
      if (err instanceof FormProblems) showProblems(form, err.problems, alertLine);
      else alertLine.textContent = err.message;
    } finally {
      save.disabled = false;
    }
  } }, fields, alertLine, h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'btn', text: '取消', onclick: () => history.back() }), save)));
  return form;
}

/** Labels of where an open case stands against its promise (see dueState). */
export const DUE_LABELS = { overdue: '已超期', today: '当天到期', soon: '即将到期' };

/**
 * Where an open case stands against its promise (the server's due_at and overdue):
 * 'overdue', 'today' (due by tonight), 'soon' (by the end of the day after tomorrow) or null
 * (closed, clock stopped, or not due yet).
 * @param {Record<string, any>} d a case's data
 * @param {number} [now]
 */
export function dueState(d, now = Date.now()) {
  if (!['accepted', 'handling'].includes(d.status)) return null;
  if (d.overdue) return 'overdue';
  if (!d.due_at) return null;
  if (d.due_at < now) return 'overdue';
  const tonight = new Date(now).setHours(23, 59, 59, 999);
  if (d.due_at <= tonight) return 'today';
  return d.due_at <= tonight + 2 * 86400000 ? 'soon' : null;
}

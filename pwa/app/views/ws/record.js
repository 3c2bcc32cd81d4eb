/**
 * One record from the server's lists (masked like every list), for the workspace's links:
 * its fields as people read them (centres, matters, windows and people by name); an
 * accountability record names what it is about and can be closed or sent back by a
 * supervisor, and an open case given its one extension (延期) with a reason (ops through
 * the outbox).
 */

import { field, fmtDate, fmtTime, h, toast } from '../../ui.js';
import { canSet } from '../../rights.js';
import { nextValues } from '../../schema.js';
import { enumLabel, fieldLabel, TITLES } from '../../labels.js';
import { valueText } from '../common.js';
import { api, names, recordHref, rowTitle, screen, sendEdit, shortId } from './kit.js';
import { verifyBlock } from './complaints.js';

const OPEN = ['accepted', 'handling', 'supplement'];
const COLLECTIONS = ['cases', 'visits', 'inspections', 'rectifications', 'evaluations', 'complaints', 'accountability', 'awards'];
const PEOPLE = ['staff_id', 'handler_id', 'first_asked_by'];
// Shown in their own blocks below the fields, where they read as a whole.
const APART = { cases: ['refusal_reason', 'return_reason'], accountability: ['due_at'] };

const titleOf = (collection) => TITLES[collection] || { accountability: '问责', awards: '评优' }[collection] || collection;

/** The record as the server's list gives it, or null (gone, or out of scope). */
async function findItem(session, collection, id) {
  const body = await api(session, `/records/${collection}?q=${encodeURIComponent(id)}&limit=50`);
  return (body.items || []).find((i) => i.id === id) || null;
}

/**
 * A field's value as people read it: ids of centres, matters, windows and people by name.
 * @param {string} collection @param {any} item @param {string} k @param {any} v @param {any} n names()
 */
function shown(collection, item, k, v, n) {
  if (k === 'centre_id') return n.centre(v);
  if (k === 'matter_id') return n.matter(v);
  if (k === 'window_id') return n.window(item.data.centre_id || item.centre_id, v);
  if (PEOPLE.includes(k)) return n.person(v);
  if (k === 'staff_ids') return v.map(n.person).join('、');
  return valueText(collection, k, v);
}

function fieldRows(collection, item, n) {
  const apart = APART[collection] || [];
  return Object.entries(item.data || {})
    .filter(([k, v]) => v !== null && !apart.includes(k) && (typeof v !== 'object' || (k === 'staff_ids' && Array.isArray(v))))
    .map(([k, v]) => [h('dt', { text: fieldLabel(collection, k) }), h('dd', { text: shown(collection, item, k, v, n) })]);
}

const pair = (label, value) => (value ? [h('dt', { text: label }), h('dd', null, value)] : null);

/** 暂停计时: each stay in 待补件, the last still running while the materials are awaited. */
function pauseList(pauses) {
  if (!Array.isArray(pauses) || !pauses.length) return null;
  return h('ul', { class: 'ws-sub' }, pauses.map((p) => h('li', {
    text: `${p.from ? fmtTime(p.from) : '—'} 至 ${p.to ? fmtTime(p.to) : '今（等待补件，期限暂停）'}` })));
}

/**
 * What a case's fields leave out: the applicant (masked as the list gives it), the pauses of
 * its clock, the materials asked for, and why it was refused or returned.
 * @param {Record<string, any>} d
 */
function caseDetails(d) {
  const a = d.applicant && typeof d.applicant === 'object' ? d.applicant : {};
  const materials = Array.isArray(d.missing_materials) && d.missing_materials.length
    ? h('ul', { class: 'ws-sub' }, d.missing_materials.map((m) => h('li', { text: String(m) }))) : null;
  const rows = [pair('申请人', a.name), pair('联系电话', a.phone), pair('身份证号', a.id_number), pair('地址', a.address),
    pair('补件清单', materials), pair('暂停计时', pauseList(d.pauses)),
    pair('不予受理原因', d.refusal_reason), pair('退办理由', d.return_reason)].filter(Boolean);
  if (!rows.length) return null;
  return h('section', { 'aria-labelledby': 'ws-case-h' }, h('h2', { id: 'ws-case-h', text: '申请人与办理情况' }),
    h('dl', { class: 'ws-figures' }, rows));
}

/** A subject's readable title, from its own list; its kind and short id when it cannot be read. */
async function subjectTitle(session, s, n) {
  try {
    const item = await findItem(session, s.collection, s.record);
    if (item) return String(rowTitle(item, n));
  } catch { /* the link still opens it */ }
  return shortId(s.record);
}

/**
 * 问责对象: what the record answers for (its kind, linked to its page) and the deadline missed,
 * so a supervisor reads the case before closing.
 */
async function subjectBlock(session, d, n) {
  const s = d.subject || {};
  if (!s.collection || !s.record) return null;
  const kind = enumLabel('accountability', 'subject.collection', s.collection);
  return h('section', { 'aria-labelledby': 'ws-subject-h' }, h('h2', { id: 'ws-subject-h', text: '问责对象' }),
    h('dl', { class: 'ws-figures' },
      pair('超期事项', [h('span', { class: 'chip', text: kind }), ' ',
        h('a', { href: recordHref(s.collection, s.record), text: await subjectTitle(session, s, n) })]),
      pair('错过的期限', d.due_at ? fmtTime(d.due_at) : '（未记录）')));
}

/** Send a change of the accountability record's status (with its text) and say how it went. */
async function setStatus(ctx, item, set, done) {
  try {
    const how = await sendEdit('accountability', item.id, item.version, set);
    toast(how === 'queued' ? `${done}（联网后发送）` : done);
    ctx.rerender();
  } catch (e) { toast(e.message, 'error'); }
}

/**
 * A supervisor's decision on the record, in place of its buttons: the text it needs (结案意见
 * or 退回原因, required by the server), and a warning where the centre has not explained yet
 * (the record is the county's only trace of the lateness).
 */
function decide(ctx, item, row, how) {
  const text = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 3, name: how.path, required: true }));
  const f = field(how.label, text, how.hint);
  const error = h('p', { class: 'error', role: 'alert' });
  const send = () => {
    const said = text.value.trim();
    if (!said) {
      error.textContent = `请填写${how.label}`;
      text.focus();
      return;
    }
    setStatus(ctx, item, { status: how.status, [how.path]: said }, how.done);
  };
  const cancel = h('button', { class: 'btn', type: 'button', text: '取消', onclick: () => ctx.rerender() });
  row.replaceChildren(h('div', { class: `box${how.warn ? ' warn' : ''}`, role: 'group', 'aria-label': how.title },
    how.warn ? h('p', { text: how.warn }) : null, f.wrap, error,
    h('div', { class: 'row' }, cancel, h('button', { class: 'btn primary', type: 'button', text: how.confirm, onclick: send }))));
  text.focus();
}

/** The accountability record's actions, as the schemas let this role move its status. */
function accountabilityActions(ctx, item) {
  const d = item.data || {};
  const role = ctx.session.user.role;
  const next = nextValues('accountability', 'status', d.status || '') || [];
  const row = h('div', { class: 'row' });
  if (next.includes('closed') && canSet(role, 'accountability', 'status', 'closed', d.status)) {
    const unexplained = d.status === 'open' && !String(d.explanation || '').trim();
    row.append(h('button', { class: 'btn primary', type: 'button', text: '关闭问责', onclick: () => decide(ctx, item, row, {
      status: 'closed', path: 'conclusion', label: '结案意见', title: '关闭问责', confirm: '确认结案', done: '已结案',
      hint: '写明核查结论和处理意见（如：情况属实，予以通报；或：属客观原因，免予追责）',
      warn: unexplained ? '中心尚未提交情况说明。确定不等说明，直接结案吗？' : '' }) }));
  }
  if (d.status === 'explained' && next.includes('open') && canSet(role, 'accountability', 'status', 'open', d.status)) {
    row.append(h('button', { class: 'btn', type: 'button', text: '退回重新说明', onclick: () => decide(ctx, item, row, {
      status: 'open', path: 'send_back_reason', label: '退回原因', title: '退回重新说明', confirm: '确认退回',
      done: '已退回，等待中心重新说明', hint: '说明情况说明哪里不足，中心据此重新说明', warn: '' }) }));
  }
  return row;
}

/** 延期 is granted before the deadline runs out (the server refuses it after): a late case is not offered one, and says why. */
function extensionBlock(ctx, item) {
  const d = item.data || {};
  if (!OPEN.includes(d.status) || (d.extension && d.extension.days) || !canSet(ctx.session.user.role, 'cases', 'extension')) return null;
  const late = !!d.overdue || (typeof d.due_at === 'number' && d.due_at < Date.now());
  return late ? h('p', { class: 'box warn', text: `承诺期限${d.due_at ? `（${fmtDate(d.due_at)}）` : ''}已过，不能再延期：延期须在期限届满前批准。` })
    : extensionForm(ctx, item);
}

/** #/ws/record/<collection>/<id> */
export async function recordView(ctx) {
  const [collection, id] = ctx.params;
  await screen(ctx, `${titleOf(collection)}详情`, async () => {
    if (!COLLECTIONS.includes(collection)) return h('p', { class: 'box bad', text: '未找到' });
    const [item, n] = await Promise.all([findItem(ctx.session, collection, id), names(ctx.session)]);
    if (!item) return h('p', { class: 'box bad', role: 'alert', text: '未找到该记录（或不在您的范围内）' });
    const d = item.data || {};
    const verify = collection === 'complaints' ? h('section', { 'aria-labelledby': 'ws-verify-h' },
      h('h2', { id: 'ws-verify-h', text: '核实' }), verifyBlock(ctx, item)) : null;
    return h('div', null,
      h('p', null, h('span', { class: 'chip town', text: item.centre_name || n.centre(item.centre_id || '') })),
      collection === 'accountability' ? await subjectBlock(ctx.session, d, n) : null,
      h('dl', { class: 'ws-figures' }, fieldRows(collection, item, n)),
      collection === 'cases' ? caseDetails(d) : null,
      d.extension && d.extension.days ? h('p', { class: 'box', text: `已延期 ${d.extension.days} 个工作日：${d.extension.reason || ''}` }) : null,
      verify, collection === 'cases' ? extensionBlock(ctx, item) : null,
      collection === 'accountability' ? accountabilityActions(ctx, item) : null,
      h('p', null, h('button', { class: 'btn small', type: 'button', text: '← 返回', onclick: () => history.back() })));
  });
  return { live: false };
}

/**
 * 延期: a case's one extension, 1–60 working days with a reason; the server records who and
 * when, moves the deadline and refuses a second one.
 * @param {any} ctx
 * @param {any} item the case as the server listed it
 */
function extensionForm(ctx, item) {
  const days = /** @type {HTMLInputElement} */ (h('input', { type: 'number', name: 'days', min: 1, max: 60, required: true, inputmode: 'numeric' }));
  const reason = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 3, name: 'reason', required: true }));
  const msg = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'form', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    const n = Number(days.value);
    if (!Number.isInteger(n) || n < 1 || n > 60) { msg.textContent = '延期天数须为 1–60 个工作日'; days.focus(); return; }
    if (!reason.value.trim()) { msg.textContent = '请填写延期原因'; reason.focus(); return; }
    try {
      const how = await sendEdit('cases', item.id, item.version, { 'extension.days': n, 'extension.reason': reason.value.trim() });
      toast(how === 'queued' ? '已批准延期（联网后发送）' : '已批准延期');
      ctx.rerender();
    } catch (err) { msg.textContent = err.message; }
  } }, field('延期工作日', days, '每件办件只能延期一次，最多 60 个工作日').wrap, field('延期原因', reason).wrap, msg,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', text: '批准延期' })));
  return h('section', { 'aria-labelledby': 'ws-extend-h' }, h('h2', { id: 'ws-extend-h', text: '延期' }), form);
}

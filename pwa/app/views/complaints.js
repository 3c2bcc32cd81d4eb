/**
 * Complaints (投诉): the centre's list (waiting, overdue, replied, verified), intake at the
 * window, by phone, from the 12345 hotline or by letter, one complaint with its reply, and
 * verification for the roles the schemas' rights allow (read from the data, not hard-coded).
 * The reply is due five working days after receipt: `reply_due` and `overdue` are the server's.
 * A ticket entered days later gives when it really came in (收到时间; the server keeps a time
 * earlier than the change's corrected time). A complaint not to be handled is dismissed
 * (不予受理) with the reason as its `reply`, and the dismissal can be reopened; each control
 * only for the roles the schemas' rights let make that move.
 */

import { add, h, field, fmtDate, fmtTime, fromLocalInput, lazyList, select, toLocalInput, toast } from '../ui.js';
import { edit, list } from '../store.js';
import { current, validate } from '../schema.js';
import { go } from '../router.js';
import { FormProblems } from '../errors.js';
import { changedPaths } from '../forms.js';
import { accountabilitySection } from './accountability.js';
import { actionBar, badges, centreNames, conflictBox, formRecord, found, navButton, recordForm, rejectedBox, row, statusChips } from './common.js';

/** Intake channels offered at the centre (the schema also knows `online`, shown when stored). */
const CHANNELS = { window: '窗口', phone: '电话', hotline: '12345热线', letter: '来信', online: '网上' };
const STATUS = { open: '待答复', replied: '已答复', verified: '已核实', dismissed: '不予受理' };
const FILTERS = { waiting: '待答复', overdue: '已超期', replied: '已答复', verified: '已核实', dismissed: '不予受理', all: '全部' };

/**
 * Whether `role` may set `path` (to `value`; from the stored value `from`) on `collection`, by
 * the schemas' rights data (rights.js's canSet, kept here so the eager list screens do not
 * load the inspection screens' module).
 * @param {string} collection
 * @param {string} path
 * @param {string} role
 * @param {any} [value]
 * @param {any} [from] the stored value
 */
export function maySet(collection, path, role, value, from) {
  const coll = ((current() || {}).collections || {})[collection];
  if (!coll || !(coll.writers || []).includes(role)) return false;
  const rights = coll.rights || {};
  for (const [p, rule] of Object.entries(rights)) {
    if (!(path === p || path.startsWith(`${p}.`))) continue;
    if (rule.writers && !rule.writers.includes(role)) return false;
    if (value !== undefined && rule.values && rule.values[value] && !rule.values[value].includes(role)) return false;
    if (value !== undefined && from !== undefined && path === p && rule.from
        && ((rule.from[from || ''] || {})[value] || [role]).indexOf(role) < 0) return false;
  }
  return true;
}

/** A phone number with its middle hidden (138****5678): lists never show it whole. */
export const maskPhone = (s) => (s && s.length >= 7 ? `${s.slice(0, 3)}****${s.slice(-4)}` : s || '');
/** A name with all but its first character hidden (张**). */
export const maskName = (s) => (s ? `${[...s][0]}${'*'.repeat(Math.max(1, [...s].length - 1))}` : '');

/**
 * Where a complaint stands against its reply due date: 'overdue', 'soon' (within two days) or null.
 * @param {Record<string, any>} d
 * @param {number} [now]
 */
export function replyState(d, now = Date.now()) {
  if (!owesAgain(d) && (d.replied_at || d.reply || ['replied', 'verified', 'dismissed'].includes(d.status))) return null;
  if (owesAgain(d) && !newDueKnown(d)) return null; // reopened here: the server says when it is due
  if (d.overdue || (d.reply_due && d.reply_due < now)) return 'overdue';
  const tonight = new Date(now).setHours(23, 59, 59, 999);
  return d.reply_due && d.reply_due <= tonight + 2 * 86400000 ? 'soon' : null;
}

/** Sent back by a supervisor for a new reply (status open again, the verification not passed). */
export const sentBack = (d) => d.status === 'open' && !!d.verification && d.verification.passed === false;

/** Reopened after a dismissal (status open again; the dismissal's reason is still its reply). */
const reopened = (d) => d.status === 'open' && !!(d.reply || d.replied_at) && !sentBack(d);

/**
 * Open again after an answer (sent back, or a dismissal reopened): a new reply is owed, due
 * five working days after the server's `reopened_at` (the server's `reply_due` says when).
 * @param {Record<string, any>} d
 */
export const owesAgain = (d) => d.status === 'open' && (sentBack(d) || !!d.reopened_at || reopened(d));

/**
 * Whether the phone knows when the new reply is due: the server has seen the reopening (its
 * `reopened_at`, with no answer since). A dismissal reopened on this phone and not yet
 * synced still carries the `reply_due` and `overdue` of the answer before (or of an earlier
 * reopening, then answered): the server counts five working days from this reopening.
 * @param {Record<string, any>} d a complaint that owes a reply again (owesAgain)
 */
const newDueKnown = (d) => !!d.reopened_at && !d.answered_at;

/**
 * The reply due date to show: the server's `reply_due`, or null while it is not known.
 * @param {Record<string, any>} d
 */
export const replyDue = (d) => (owesAgain(d) && !newDueKnown(d) ? null : d.reply_due || null);

const isWaiting = (d) => owesAgain(d) || (!d.replied_at && !d.reply && !['replied', 'verified', 'dismissed'].includes(d.status));

/** One list row: received date, channel, reply due with its mark, the complainant masked. */
export function complaintRow(c) {
  const d = c.data;
  const st = c.standing || d; // the status as it stands: never one the server refused
  const state = replyState(st); // a refused reply answers nothing
  const who = d.complainant ? [maskName(d.complainant.name), maskPhone(d.complainant.phone)].filter(Boolean).join(' ') : '';
  return h('li', { class: 'item' },
    h('a', { class: 'item-top', href: `#/complaint/${encodeURIComponent(c.id)}` },
      h('strong', { class: 'grow', text: `${d.received_at ? fmtDate(d.received_at) : '待同步'} · ${CHANNELS[d.channel] || d.channel || '未填渠道'}` }),
      h('span', { class: `chip cp-${st.status || 'open'}`, text: sentBack(st) ? '退回重答' : STATUS[st.status || 'open'] || st.status })),
    h('p', { class: 'notes', text: String(d.content || '').slice(0, 60) }),
    h('div', { class: 'badges' },
      replyDue(st) ? h('span', { class: 'hint', text: `答复期限 ${fmtDate(replyDue(st))}` }) : h('span', { class: 'hint', text: '答复期限待同步' }),
      state === 'overdue' ? h('span', { class: 'chip due-overdue', text: '已超期' }) : null,
      state === 'soon' ? h('span', { class: 'chip warn', text: '即将到期' }) : null,
      who ? h('span', { class: 'hint', text: who }) : null,
      badges(c)));
}

/** #/complaints?f=waiting|overdue|replied|verified|all */
export async function complaintsView(ctx) {
  const filter = ctx.query.get('f') || 'waiting';
  const now = Date.now();
  let rows = await list('complaints');
  // Waiting and overdue as the complaint stands on the server: a refused reply answers nothing.
  if (filter === 'waiting') rows = rows.filter((c) => isWaiting(c.standing || c.data));
  if (filter === 'overdue') rows = rows.filter((c) => replyState(c.standing || c.data, now) === 'overdue');
  if (filter === 'replied') {
    rows = rows.filter((c) => c.data.status === 'replied'
      || (c.data.replied_at && !['verified', 'dismissed', 'open'].includes(c.data.status)));
  }
  if (filter === 'dismissed') rows = rows.filter((c) => c.data.status === 'dismissed');
  if (filter === 'verified') rows = rows.filter((c) => c.data.status === 'verified' || c.data.verified === true);
  rows.sort(filter === 'waiting' || filter === 'overdue'
    ? (a, b) => (a.data.reply_due || Infinity) - (b.data.reply_due || Infinity)
    : (a, b) => (b.data.received_at || 0) - (a.data.received_at || 0));
  const tab = (f) => h('a', { href: `#/complaints?f=${f}`, 'aria-current': filter === f ? 'page' : null, text: FILTERS[f] });
  add(ctx.main,
    h('h1', { text: '投诉' }),
    h('div', { class: 'seg', role: 'group', 'aria-label': '筛选' }, ...Object.keys(FILTERS).map(tab)),
    h('p', { class: 'hint', text: `共 ${rows.length} 件` }),
    lazyList(rows, complaintRow, { empty: '没有投诉', label: '投诉列表' }),
    actionBar(navButton('登记投诉', '#/complaint/new', 'btn primary')));
  return { live: true };
}

/** #/complaint/ID: the complaint, its deadline, the reply form and (by rights) verification. */
export async function complaintView(ctx) {
  const [id] = ctx.params;
  const c = await found(ctx, 'complaints', id, '找不到这条投诉');
  if (!c) return { live: true };
  const d = c.data;
  const role = ctx.session.user.role;
  const centres = await centreNames();
  // Its deadline as it stands on the server: a reply the server refused answers nothing.
  const st = c.standing || d;
  const state = replyState(st);
  const p = d.complainant || {};
  add(ctx.main,
    h('h1', null, '投诉 ', statusChips(c, 'cp-', (v) => STATUS[v] || v, 'open')),
    h('div', { class: 'badges' }, badges(c)),
    rejectedBox(c),
    conflictBox(c, ctx.session, ctx.rerender),
    h('dl', { class: 'kvs' },
      row('收到时间', d.received_at ? fmtTime(d.received_at) : '同步后记录'),
      row('渠道', CHANNELS[d.channel] || d.channel),
      row('服务中心', centres.get(d.centre_id) || d.centre_id),
      row('投诉人', p.name),
      row('联系电话', p.phone ? h('a', { href: `tel:${p.phone}`, text: p.phone }) : ''),
      owesAgain(st) ? row(sentBack(st) ? '退回时间' : '重新受理时间', replyDue(st) && st.reopened_at ? fmtTime(st.reopened_at) : '同步后记录') : null,
      row(owesAgain(st) ? '重新答复期限' : '答复期限', replyDue(st) ? `${fmtDate(replyDue(st))}${state === 'overdue' ? '（已超期）' : state === 'soon' ? '（即将到期）' : ''}`
        : '同步后由服务器按 5 个工作日计算'),
      row('投诉内容', h('span', { class: 'pre', text: d.content || '' })),
      row(d.status === 'dismissed' ? '不予受理理由' : reopened(d) ? '原不予受理理由' : '答复', d.reply ? h('span', { class: 'pre', text: d.reply }) : ''),
      row('答复时间', d.replied_at ? fmtTime(d.replied_at) : d.reply ? '同步后记录' : ''),
      row('核实', d.verified ? '已核实' : sentBack(d) ? '督查退回，需重新答复' : ''),
      row('核实意见', (d.verification && d.verification.comment) || '')));

  // What may be done next is judged on the complaint as it stands too (a change the server
  // refused is fixed on the 同步 page, not built upon).
  // A dismissed complaint is not answered again here (dismissed → replied is not a
  // transition of the lifecycle; it is reopened first).
  if (((!st.replied_at && !st.reply && st.status !== 'dismissed') || owesAgain(st)) && maySet('complaints', 'reply', role)
      && maySet('complaints', 'status', role, 'replied', st.status || 'open')) {
    const reply = h('textarea', { rows: 4, name: 'reply' });
    const form = recordForm([field('答复内容', reply, '答复时间以同步时服务器校正后的保存时间为准').wrap], async () => {
      const text = /** @type {HTMLTextAreaElement} */ (reply).value.trim();
      if (!text) throw new FormProblems([{ path: 'reply', message: '请填写答复内容' }]);
      // replied_at is the server's: the change's corrected time, never the phone's clock.
      await edit('complaints', id, { reply: text, status: 'replied' });
      toast('答复已保存到本机，联网后自动同步');
      ctx.rerender();
    });
    add(ctx.main, h('section', null, h('h2', { text: owesAgain(st) ? '重新答复' : '答复' }), form));
  }
  // 不予受理: open → dismissed, the reason written as the reply (the server requires it).
  if ((st.status || 'open') === 'open' && !sentBack(st) && !reopened(st) && !st.reply
      && maySet('complaints', 'status', role, 'dismissed', st.status || 'open') && maySet('complaints', 'reply', role)) {
    const why = h('textarea', { rows: 3, name: 'reply' });
    const form = recordForm([field('不予受理理由', why, '必填：写明不属于受理范围等原因，将作为对投诉人的答复').wrap], async () => {
      const text = /** @type {HTMLTextAreaElement} */ (why).value.trim();
      if (!text) throw new FormProblems([{ path: 'reply', message: '不予受理须写明理由' }]);
      await edit('complaints', id, { reply: text, status: 'dismissed' });
      toast('已不予受理，联网后自动同步');
      ctx.rerender();
    });
    add(ctx.main, h('details', { class: 'fold' }, h('summary', { text: '不予受理' }), form));
  }
  // Reopen a dismissal (dismissed → open): it then waits for a reply again.
  if (st.status === 'dismissed' && maySet('complaints', 'status', role, 'open', 'dismissed')) {
    add(ctx.main, h('section', null, h('h2', { text: '重新受理' }),
      h('p', { class: 'hint', text: '撤销不予受理，投诉回到待答复，需重新答复。' }),
      h('button', { type: 'button', class: 'btn', text: '重新受理', onclick: async () => {
        await edit('complaints', id, { status: 'open' });
        toast('已重新受理，联网后自动同步');
        ctx.rerender();
      } })));
  }
  if (st.reply && !st.verified && !sentBack(st) && maySet('complaints', 'verified', role)
      && maySet('complaints', 'status', role, 'verified', st.status)) {
    add(ctx.main, h('section', null, h('h2', { text: '核实' }),
      h('p', { class: 'hint', text: '核实答复属实、投诉人已知悉后确认。' }),
      h('button', { type: 'button', class: 'btn primary', text: '确认核实', onclick: async () => {
        await edit('complaints', id, { verified: true, status: 'verified' });
        toast('已核实，联网后自动同步');
        ctx.rerender();
      } })));
  }
  add(ctx.main, await accountabilitySection(ctx, 'complaints', id), actionBar(navButton('返回列表', '#/complaints')));
  return { live: true };
}

/** #/complaint/new: intake at the window, by phone, from the 12345 hotline or by letter. */
export async function complaintFormView(ctx) {
  const rec = await formRecord(ctx, 'complaints', '找不到这条投诉');
  if (!rec) return {};
  const { id, centres } = rec;
  const centreNameMap = await centreNames();
  /** @type {Record<string, any>} */
  const inputs = {};
  const fields = [];
  if (centres.length > 1) {
    inputs.centre_id = select(centres.map((c) => [c, centreNameMap.get(c) || c]), centres[0], false);
    fields.push(field('服务中心', inputs.centre_id).wrap);
  }
  inputs.channel = select(['window', 'phone', 'hotline', 'letter'].map((v) => [v, CHANNELS[v]]), 'window', false);
  fields.push(field('投诉渠道', inputs.channel).wrap);
  inputs.content = h('textarea', { rows: 5 });
  fields.push(field('投诉内容', inputs.content).wrap);
  inputs['complainant.name'] = h('input', { autocomplete: 'off' });
  fields.push(field('投诉人姓名（可不填）', inputs['complainant.name']).wrap);
  inputs['complainant.phone'] = h('input', { type: 'tel', inputmode: 'tel', autocomplete: 'off' });
  fields.push(field('联系电话（可不填）', inputs['complainant.phone'], '列表中只显示部分号码').wrap);
  // 收到时间: now unless changed (then the server's corrected time is used); a ticket or a
  // letter entered days later gives when it came in, so the reply is due from then.
  const nowText = toLocalInput(Date.now());
  const received = /** @type {HTMLInputElement} */ (h('input', { type: 'datetime-local', name: 'received_at', value: nowText, max: nowText }));
  fields.push(field('收到时间', received, '默认为现在；补录热线工单或来信时，改为实际收到的时间（答复期限从此起算）').wrap);
  for (const [path, el] of Object.entries(inputs)) el.name = path; // forms.showProblems finds fields by name
  const form = recordForm(fields, async () => {
    /** @type {Record<string, any>} */
    const values = {};
    for (const [path, el] of Object.entries(inputs)) values[path] = el.value.trim() || null;
    const centre = values.centre_id || centres[0];
    delete values.centre_id;
    // received_at left out is the server's (the change's corrected time); a changed 收到时间 is sent (kept when earlier).
    /** @type {Record<string, any>} */
    const set = { ...changedPaths(values, {}), centre_id: centre, status: 'open' };
    const problems = [];
    if (received.value && received.value !== nowText) {
      const at = Number(fromLocalInput(received.value));
      if (!Number.isFinite(at)) problems.push({ path: 'received_at', message: '收到时间格式不正确' });
      else if (at > Date.now()) problems.push({ path: 'received_at', message: '收到时间不能晚于现在' });
      else set.received_at = at;
    }
    if (!values.content) problems.push({ path: 'content', message: '请填写投诉内容' });
    problems.push(...validate('complaints', set));
    if (problems.length) throw new FormProblems(problems);
    await edit('complaints', id, set);
    toast('投诉已保存到本机，联网后自动同步');
    go(`#/complaint/${encodeURIComponent(id)}`, true);
  });
  add(ctx.main, h('h1', { text: '登记投诉' }), form);
  return { form: true };
}

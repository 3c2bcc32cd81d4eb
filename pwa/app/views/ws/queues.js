/**
 * Review queues: submitted inspections to approve or return (the row links to the
 * inspection's review screen; approve/return here too, as ops through the outbox),
 * quarantined ops (release after a fix, or drop with a reason: both audited on the server),
 * and the county's conflict inbox (resolved from the list, gone from it at once).
 */

import { h, fmtTime, toast } from '../../ui.js';
import { fieldLabel, reasonText, TITLES } from '../../labels.js';
import { valueText } from '../common.js';
import { api, names, pagedList, recordHref, recordRow, ServerRefused, screen, sendEdit, shortId } from './kit.js';

const TABS = /** @type {[string, string][]} */ ([
  ['#/ws/queues?tab=inspections', '待审检查'], ['#/ws/queues?tab=quarantine', '隔离的更改'], ['#/ws/queues?tab=conflicts', '冲突']]);

/**
 * A small inline form: a required text and a submit button; errors tied to the field.
 * @param {string} label
 * @param {string} button
 * @param {(text: string) => Promise<void>} onSubmit
 * @param {boolean} [required]
 */
export function inlineForm(label, button, onSubmit, required = true) {
  const input = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '1000' }));
  const wrap = h('span', { class: 'inline-field' });
  const err = h('span', { class: 'field-error', role: 'alert' });
  const form = h('form', { class: 'ws-inline', novalidate: true });
  input.id = `in-${Math.random().toString(36).slice(2, 9)}`;
  err.id = `${input.id}-err`;
  add2(wrap, h('label', { for: input.id, text: label }), input);
  form.append(wrap, h('button', { class: 'btn small', type: 'submit', text: button }), err);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (required && !input.value.trim()) {
      err.textContent = `请填写${label}`;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', err.id);
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    err.textContent = '';
    const btn = /** @type {HTMLButtonElement} */ (form.querySelector('button'));
    btn.disabled = true;
    try {
      await onSubmit(input.value.trim());
    } catch (ex) {
      err.textContent = /** @type {Error} */ (ex).message;
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}

function add2(el, ...kids) { for (const k of kids) el.append(k); }

function inspectionRow(ctx, item, li) {
  const d = item.data || {};
  const done = (text) => { li.replaceChildren(h('p', { class: 'hint', role: 'status', text })); };
  const decide = async (status, comment) => {
    const set = { status, 'review.by': ctx.session.user.id, 'review.at': Date.now() };
    if (comment) set['review.comment'] = comment;
    const how = await sendEdit('inspections', item.id, item.version, set);
    done(`${status === 'approved' ? '已通过' : '已退回'}${how === 'queued' ? '（联网后发送）' : ''}：${item.centre_name || ''}`);
    toast(status === 'approved' ? '检查已通过' : '检查已退回');
  };
  return h('div', { class: 'ws-actions' },
    h('span', { class: 'hint', text: `得分 ${d.score ?? '—'}${d.vetoed ? ' · 一票否决' : ''}${d.submitted_at ? ` · 提交于 ${fmtTime(d.submitted_at)}` : ''}` }),
    h('a', { class: 'btn small', href: recordHref('inspections', item.id), text: '打开审核' }),
    h('button', { class: 'btn small primary', type: 'button', text: '通过', onclick: () => decide('approved', '').catch((e) => toast(e.message, 'error')) }),
    inlineForm('退回意见', '退回', (text) => decide('returned', text)));
}

async function inspections(ctx) {
  return h('div', null, h('p', { class: 'hint', text: '已提交、等待审核的检查。' }),
    await pagedList(ctx.session, '/records/inspections?status=submitted&limit=50', (item) => {
      const li = recordRow(item);
      li.append(inspectionRow(ctx, item, li));
      return li;
    }, '待审检查'));
}

/**
 * The refusal as a Chinese sentence, from the entry's code and details (the server's message
 * is English, for developers): `reasonText`'s words beyond the code, or for a refusal of
 * scope the centre or county the sender does not work for.
 * @param {any} q a quarantine entry
 * @param {any} n names()
 */
function quarantineReason(q, n) {
  const d = q.details || {};
  if (q.code === 'forbidden' && !d.path && d.centre_id) return `${n.centre(d.centre_id)}不在提交人负责的中心之内`;
  if (q.code === 'forbidden' && !d.path && d.county_id) return '该县不在提交人的范围之内';
  if (q.code === 'forbidden' && !d.path && d.collection) return `提交人的角色不能修改${TITLES[d.collection] || d.collection}`;
  const full = reasonText(q.collection, { code: q.code, details: d });
  const base = reasonText(q.collection, { code: q.code });
  const extra = full === base ? '' : full.slice(base.length).replace(/^：/, '');
  // a field named and nothing more: say it was its content
  return q.code === 'invalid' && extra && extra === fieldLabel(q.collection, d.path || d.field)
    ? `${extra}：填写的内容不符合要求` : extra;
}

/** The quarantined op's record and sender, as a supervisor reads them. */
function quarantineTitle(q, n) {
  const set = (q.op && q.op.set) || {};
  const who = set['applicant.name'] || (set.applicant && set.applicant.name) || '';
  const what = set.matter_id ? n.matter(set.matter_id) : '';
  const about = [what, who].filter(Boolean).join(' · ');
  return `${TITLES[q.collection] || q.collection} ${shortId(q.record)}${about ? `（${about}）` : ''} · ${n.user(q.user_id, q.username)}`;
}

function quarantineActions(ctx, q, li) {
  const out = h('p', { class: 'hint', role: 'status' });
  return h('div', { class: 'ws-actions' },
    h('button', { class: 'btn small primary', type: 'button', text: '修正后放行', onclick: async () => {
      try {
        const r = await api(ctx.session, `/quarantine/${encodeURIComponent(q.op_id)}/release`, { method: 'POST', json: {} });
        li.replaceChildren(h('p', { class: 'hint', role: 'status', text: `已放行（${r.status || 'applied'}）` }));
      } catch (e) {
        const d = (e.body && e.body.error && e.body.error.details) || {};
        out.textContent = d.code ? `仍被拒绝：${reasonText(q.collection, { code: d.code, details: d })}` : `仍被拒绝：${e.message}`;
      }
    } }),
    inlineForm('作废原因', '作废', async (reason) => {
      await api(ctx.session, `/quarantine/${encodeURIComponent(q.op_id)}/drop`, { method: 'POST', json: { reason } });
      li.replaceChildren(h('p', { class: 'hint', role: 'status', text: `已作废：${reason}` }));
    }), out);
}

function quarantineRow(ctx, q, n) {
  const why = quarantineReason(q, n);
  const at = q.received_at ? fmtTime(typeof q.received_at === 'number' ? q.received_at : Date.parse(q.received_at)) : '—';
  const li = h('li', { class: 'ws-row', 'data-op': q.op_id },
    h('p', { class: 'ws-row-title', text: quarantineTitle(q, n) }),
    h('p', null, h('span', { class: 'chip bad', text: reasonText(q.collection, { code: q.code }) })),
    why ? h('p', { class: 'ws-reason', text: why }) : null,
    h('p', { class: 'hint', text: `收到于 ${at}，更改：${Object.keys((q.op && q.op.set) || {}).map((p) => fieldLabel(q.collection, p)).join('、') || '删除'}` }),
    // the server's own words, for whoever fixes the cause (English, for developers)
    q.message ? h('p', { class: 'hint' }, '服务器原文：', h('span', { lang: 'en', text: q.message })) : null);
  li.append(quarantineActions(ctx, q, li));
  return li;
}

async function quarantine(ctx) {
  let body;
  try {
    body = await api(ctx.session, '/quarantine?status=open&limit=200');
  } catch (e) {
    // A server without quarantine review yet: say so plainly, not "not found".
    if (e instanceof ServerRefused && e.status === 404) {
      return h('p', { class: 'box warn', role: 'status', text: '此服务器版本尚未提供隔离更改的审核，请升级服务器后使用。' });
    }
    throw e;
  }
  const rows = body.quarantine || [];
  const n = await names(ctx.session);
  const list = h('ul', { class: 'ws-list', 'aria-label': '隔离的更改' }, rows.map((q) => quarantineRow(ctx, q, n)));
  if (!rows.length) list.append(h('li', { class: 'empty', text: '没有隔离的更改' }));
  return h('div', null, h('p', { class: 'hint', text: '服务器拒收、暂存待审的更改。问题解决后可放行（重新按现行规则检查），或写明原因作废。' }), list);
}

async function conflicts(ctx) {
  return h('div', null, h('p', { class: 'hint', text: '全县未处理的冲突：两台设备离线时改了同一项，系统采用了较晚的修改。' }),
    await pagedList(ctx.session, '/conflicts?state=open&limit=100', (c) => {
      const li = h('li', { class: 'ws-row', 'data-conflict': c.id },
        h('a', { class: 'ws-row-title', href: recordHref(c.collection, c.record), text: `${TITLES[c.collection] || c.collection} · ${fieldLabel(c.collection, c.path)}` }),
        h('span', { class: 'chip town', text: c.centre_name || c.centre_id || '' }),
        h('p', null, h('span', { class: 'k', text: '另一值：' }), valueText(c.collection, c.path, c.value),
          h('span', { class: 'hint', text: `（${c.at ? fmtTime(c.at) : ''}）` })));
      const resolve = async (choose) => {
        try {
          await api(ctx.session, `/conflicts/${encodeURIComponent(c.id)}/resolve`, { method: 'POST', json: { choose } });
          li.remove(); // gone from the list at once
          toast('冲突已处理');
        } catch (e) {
          toast(`处理失败：${e.message}`, 'error');
        }
      };
      li.append(h('div', { class: 'ws-actions' },
        h('button', { class: 'btn small', type: 'button', text: '改用另一值', onclick: () => resolve('kept') }),
        h('button', { class: 'btn small', type: 'button', text: '保留当前值', onclick: () => resolve('current') })));
      return li;
    }, '未处理的冲突', 'conflicts'));
}

/** #/ws/queues?tab=inspections|quarantine|conflicts */
export async function queuesView(ctx) {
  const tab = ['inspections', 'quarantine', 'conflicts'].includes(ctx.query.get('tab') || '') ? ctx.query.get('tab') : 'inspections';
  await screen(ctx, '审核', () => (tab === 'quarantine' ? quarantine(ctx) : tab === 'conflicts' ? conflicts(ctx) : inspections(ctx)), TABS);
  return { live: false };
}

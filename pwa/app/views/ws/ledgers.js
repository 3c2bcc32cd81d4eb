/**
 * Ledgers (台账): the contract's exports (XLSX or CSV with BOM) by collection and dates,
 * masked unless an admin, or a supervisor giving a reason, asks for the full numbers (the
 * server audits both). The file is fetched with the session's token and saved by the browser.
 */

import { API } from '../../config.js';
import { h } from '../../ui.js';
import { list } from '../../store.js';
import { screen, thisMonth } from './kit.js';

const LEDGERS = [['cases', '办件台账'], ['visits', '走访台账'], ['inspections', '检查台账'], ['rectifications', '整改台账'],
  ['complaints', '投诉台账'], ['evaluations', '回访评价台账'], ['accountability', '问责台账']];

function monthRange(month) {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return [`${month}-01`, `${month}-${String(last).padStart(2, '0')}`];
}

/** #/ws/ledgers */
export async function ledgersView(ctx) {
  await screen(ctx, '台账导出', async () => {
    const [from0, to0] = monthRange(thisMonth());
    const centres = await list('centres');
    const ids = (p) => `lg-${p}`;
    const fieldP = (label, input) => { input.id = ids(label); return h('p', { class: 'field' }, h('label', { for: input.id, text: label }), input); };
    const coll = h('select', null, LEDGERS.map(([k, v]) => h('option', { value: k, text: v })));
    const from = h('input', { type: 'date', value: from0 });
    const to = h('input', { type: 'date', value: to0 });
    const centre = h('select', null, h('option', { value: '', text: '全县' }), centres.map((c) => h('option', { value: c.id, text: c.data.name || c.id })));
    const format = h('select', null, h('option', { value: 'xlsx', text: 'Excel（.xlsx）' }), h('option', { value: 'csv', text: 'CSV（Excel 可直接打开）' }));
    const unmasked = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'lg-unmasked' }));
    const reason = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '200' }));
    const reasonP = fieldP('查看完整号码的理由（将记入审计日志）', reason);
    reasonP.hidden = true;
    unmasked.addEventListener('change', () => { reasonP.hidden = !unmasked.checked; });
    const out = h('div', { role: 'status', class: 'ws-out' });
    const v = (el) => /** @type {HTMLInputElement} */ (el).value;
    const form = h('form', { class: 'ws-form', novalidate: true, 'aria-label': '导出台账' },
      fieldP('台账', coll), fieldP('起始日期', from), fieldP('截止日期', to), fieldP('范围', centre), fieldP('格式', format),
      h('p', { class: 'field check' }, unmasked, h('label', { for: 'lg-unmasked', text: '导出完整身份证号和电话（默认打码）' })),
      reasonP,
      h('button', { class: 'btn primary', type: 'submit', text: '导出' }), out);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (unmasked.checked && ctx.session.user.role !== 'admin' && !reason.value.trim()) {
        out.replaceChildren(h('p', { class: 'field-error', role: 'alert', id: 'lg-reason-err', text: '请填写查看完整号码的理由' }));
        reason.setAttribute('aria-invalid', 'true');
        reason.setAttribute('aria-describedby', 'lg-reason-err');
        reason.focus();
        return;
      }
      reason.removeAttribute('aria-invalid');
      const q = new URLSearchParams({ from: v(from), to: v(to) });
      if (v(centre)) q.set('centre_id', v(centre));
      if (unmasked.checked) { q.set('unmasked', '1'); if (reason.value.trim()) q.set('reason', reason.value.trim()); }
      const name = `${v(coll)}.${v(format)}`;
      out.textContent = '正在导出…';
      try {
        const res = await fetch(`${API}/exports/${name}?${q}`, { headers: { Authorization: `Bearer ${ctx.session.token}` }, cache: 'no-store' });
        if (!res.ok) {
          const body = await res.json().catch(() => null);
          throw new Error(res.status === 403 ? '无权导出完整号码' : (body && body.error && body.error.message) || `服务器拒绝（${res.status}）`);
        }
        const blob = await res.blob();
        const url = URL.createObjectURL(blob);
        const label = LEDGERS.find(([k]) => k === v(coll))?.[1] || v(coll);
        const a = h('a', { href: url, download: `${label}_${v(from)}_${v(to)}.${v(format)}`, text: `下载 ${label}（${res.headers.get('X-Rows') || '?'} 行）` });
        out.replaceChildren(a);
        /** @type {HTMLAnchorElement} */ (a).click();
      } catch (err) {
        out.replaceChildren(h('p', { class: 'field-error', role: 'alert', text: `导出失败：${/** @type {Error} */ (err).message}${navigator.onLine === false ? '（需要联网）' : ''}` }));
      }
    });
    return h('div', null, form, h('p', null, h('a', { href: `#/ws/report?month=${thisMonth()}`, text: '本月月度报告（可打印，A4）' })));
  });
  return { live: false };
}

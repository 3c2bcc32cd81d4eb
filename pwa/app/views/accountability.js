/**
 * 问责 on a case's or complaint's page: the accountability record the sweep made when the
 * work went overdue, and the centre's explanation (情况说明), which the county closes.
 */

import { field, fmtTime, h, toast } from '../ui.js';
import { enumLabel } from '../labels.js';
import { edit, get, sha256 } from '../store.js';
import { FormProblems } from '../errors.js';
import { canSet } from '../rights.js';
import { recordForm, row } from './common.js';

/**
 * The one id the server gives a subject's accountability record (`accountability_id` in
 * server/jobs/sweep.py): read by key, not found by scanning every accountability record.
 * @param {string} collection
 * @param {string} id
 */
async function accountabilityId(collection, id) {
  const plain = `acc-${collection}-${id}`;
  if (plain.length <= 100) return plain;
  return `acc-${collection}-h${(await sha256(new TextEncoder().encode(id))).slice(0, 48)}`;
}

/**
 * The section for the subject `collection`/`id`, or null when it has no accountability record.
 * @param {any} ctx the screen's context (session, rerender)
 * @param {string} collection
 * @param {string} id
 */
export async function accountabilitySection(ctx, collection, id) {
  const acc = await get('accountability', await accountabilityId(collection, id));
  if (!acc) return null;
  const d = acc.data;
  const parts = [h('h2', { text: '问责' }), h('dl', { class: 'kvs' },
    row('状态', enumLabel('accountability', 'status', d.status)),
    row('事由', enumLabel('accountability', 'kind', d.kind)),
    row('期限', fmtTime(d.due_at)),
    row('发现超期', fmtTime(d.detected_at)),
    row('情况说明', d.explanation ? h('span', { class: 'pre', text: d.explanation }) : ''))];
  const mayExplain = canSet(ctx.session.user.role, 'accountability', 'status', 'explained', d.status);
  // Without this, a field worker sees 待说明 and no way to act, and cannot tell whose it is.
  if (d.status === 'open' && !mayExplain) parts.push(h('p', { class: 'hint', text: '情况说明由中心工作人员填写。' }));
  if (d.status === 'open' && mayExplain) {
    const text = /** @type {HTMLTextAreaElement} */ (h('textarea', { rows: 4, name: 'explanation' }));
    parts.push(recordForm([field('情况说明', text, '写明超期原因和改进措施，提交后由县级督查结案').wrap], async () => {
      const explanation = text.value.trim();
      if (!explanation) throw new FormProblems([{ path: 'explanation', message: '请填写情况说明' }]);
      await edit('accountability', acc.id, { explanation, status: 'explained' });
      toast('情况说明已保存到本机，联网后自动同步');
      ctx.rerender();
    }));
  }
  return h('section', { 'aria-label': '问责' }, ...parts);
}

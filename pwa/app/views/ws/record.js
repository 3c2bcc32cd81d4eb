/**
 * One record from the server's lists (masked like every list), for the workspace's links:
 * its fields as people read them; an accountability record can be closed by a supervisor
 * (an op through the outbox).
 */

import { h, toast } from '../../ui.js';
import { fieldLabel, TITLES } from '../../labels.js';
import { valueText } from '../common.js';
import { api, screen, sendEdit } from './kit.js';
import { verifyBlock } from './complaints.js';

const COLLECTIONS = ['cases', 'visits', 'inspections', 'rectifications', 'evaluations', 'complaints', 'accountability', 'awards'];

/** #/ws/record/<collection>/<id> */
export async function recordView(ctx) {
  const [collection, id] = ctx.params;
  await screen(ctx, `${TITLES[collection] || (collection === 'accountability' ? '问责' : collection === 'awards' ? '评优' : collection)}详情`, async () => {
    if (!COLLECTIONS.includes(collection)) return h('p', { class: 'box bad', text: '未找到' });
    const body = await api(ctx.session, `/records/${collection}?q=${encodeURIComponent(id)}&limit=50`);
    const item = (body.items || []).find((i) => i.id === id);
    if (!item) return h('p', { class: 'box bad', role: 'alert', text: '未找到该记录（或不在您的范围内）' });
    const d = item.data || {};
    const rows = Object.entries(d).filter(([, v]) => v !== null && typeof v !== 'object');
    const actions = [];
    if (collection === 'accountability' && d.status !== 'closed') {
      actions.push(h('button', { class: 'btn primary', type: 'button', text: '关闭问责', onclick: async () => {
        try {
          const how = await sendEdit('accountability', id, item.version, { status: 'closed' });
          toast(how === 'queued' ? '已关闭（联网后发送）' : '已关闭');
          ctx.rerender();
        } catch (e) { toast(e.message, 'error'); }
      } }));
    }
    const verify = collection === 'complaints' ? h('section', { 'aria-labelledby': 'ws-verify-h' },
      h('h2', { id: 'ws-verify-h', text: '核实' }), verifyBlock(ctx, item)) : null;
    return h('div', null,
      h('p', null, h('span', { class: 'chip town', text: item.centre_name || item.centre_id || '' })),
      h('dl', { class: 'ws-figures' }, rows.map(([k, v]) => [h('dt', { text: fieldLabel(collection, k) }), h('dd', { text: valueText(collection, k, v) })])),
      verify,
      h('div', { class: 'row' }, actions),
      h('p', null, h('button', { class: 'btn small', type: 'button', text: '← 返回', onclick: () => history.back() })));
  });
  return { live: false };
}

/**
 * Monthly assessment and awards (评优评先): each centre's and window's standardisation
 * score from approved inspections (a veto makes it ineligible; eligible at ≥ 90), and the
 * award flow: nomination → department leader's sign-off → supervision section → evaluation
 * group → leadership decision → public notice (its end computed by the server in working
 * days, objections recorded during it) → awarded; expiry after two years with a re-check.
 * Every step is an op through the outbox, checked by the server's rules.
 */

import { h, fmtDate, toast } from '../../ui.js';
import { go } from '../../router.js';
import { uuid } from '../../store.js';
import { api, monthPicker, score, screen, sendEdit, table, thisMonth } from './kit.js';
import { inlineForm } from './queues.js';

export const STEPS = /** @type {[string, string, string][]} */ ([
  // [status reached, the step's name, the object the step fills]
  ['nominated', '提名', 'nomination'],
  ['leader_signed', '部门负责人签署', 'leader'],
  ['supervision_reviewed', '督查科审核', 'supervision'],
  ['group_reviewed', '考评小组评审', 'group'],
  ['decided', '领导小组决定', 'decision'],
  ['notice', '公示', ''],
  ['awarded', '授予', ''],
]);
const STATUS = { ...Object.fromEntries(STEPS.map(([s, n]) => [s, n])), nominated: '已提名', notice: '公示中', awarded: '已授予',
  rejected: '未通过', withdrawn: '已撤销' };

function flowList(d) {
  const at = STEPS.findIndex(([s]) => s === d.status);
  return h('ol', { class: 'ws-steps', 'aria-label': '评选流程' }, STEPS.map(([s, name], i) => h('li', {
    class: i < at ? 'done' : i === at ? 'current' : '', 'aria-current': i === at ? 'step' : null, text: name })));
}

function awardRow(ctx, item) {
  const d = item.data || {};
  const me = ctx.session.user.id;
  const now = Date.now();
  const step = async (set, msg) => {
    try {
      const how = await sendEdit('awards', item.id, item.version, set);
      toast(how === 'queued' ? `${msg}（联网后发送）` : msg);
      ctx.rerender();
    } catch (e) { toast(e.message, 'error'); }
  };
  const next = STEPS.findIndex(([s]) => s === d.status) + 1;
  const actions = [];
  if (next > 0 && next <= 4) {
    const [status, name, obj] = STEPS[next];
    actions.push(h('button', { class: 'btn small primary', type: 'button', text: `${name}通过`,
      onclick: () => step({ status, [`${obj}.by`]: me, [`${obj}.at`]: now, [`${obj}.approved`]: true }, `${name}：已通过`) }));
  } else if (d.status === 'decided') {
    actions.push(h('button', { class: 'btn small primary', type: 'button', text: '开始公示（3 个工作日）',
      onclick: () => step({ status: 'notice', notice_started_at: now }, '已开始公示') }));
  } else if (d.status === 'notice') {
    const ended = d.notice_ends_at && now >= d.notice_ends_at;
    actions.push(inlineForm('公示期异议内容', '记录异议', async (content) => {
      await step({ [`objections.${uuid()}`]: { at: Date.now(), content } }, '已记录异议');
    }));
    actions.push(ended
      ? h('button', { class: 'btn small primary', type: 'button', text: '公示期满，授予称号', onclick: () => step({ status: 'awarded', awarded_at: now }, '已授予') })
      : h('p', { class: 'hint', text: '公示期满后可授予' }));
  } else if (d.status === 'awarded') {
    // A pass renews the title only once the re-check is due (the server's rule); before
    // that the title can still be withdrawn for cause.
    if (d.recheck_due) {
      actions.push(h('button', { class: 'btn small', type: 'button', text: '复查合格',
        onclick: () => step({ 'recheck.by': me, 'recheck.at': now, 'recheck.passed': true }, '已记录复查，称号续期两年') }));
    }
    actions.push(inlineForm('复查不合格原因', '撤销称号', (reason) => step({ 'recheck.by': me, 'recheck.at': Date.now(), 'recheck.passed': false,
      'recheck.note': reason, status: 'withdrawn', withdrawn_reason: reason }, '已撤销')));
  }
  if (!['awarded', 'rejected', 'withdrawn'].includes(d.status)) {
    actions.push(inlineForm('不通过理由', '不通过', (reason) => step({ status: 'rejected', rejected_reason: reason }, '已记为不通过')));
  }
  const objections = Object.values(d.objections || {});
  return h('li', { class: 'ws-row', 'data-id': item.id },
    h('p', { class: 'ws-row-title', text: `${item.centre_name || d.centre_id} · ${d.period} · ${STATUS[d.status] || d.status}` }),
    flowList(d),
    d.notice_ends_at ? h('p', { text: `公示截止：${fmtDate(d.notice_ends_at)}${objections.length ? `，异议 ${objections.length} 条` : '，无异议'}` }) : null,
    objections.length ? h('ul', { 'aria-label': '异议' }, objections.map((o) => h('li', { text: /** @type {any} */ (o).content }))) : null,
    d.expires_at ? h('p', { text: `有效期至 ${fmtDate(d.expires_at)}${d.recheck_due ? '，请安排复查' : ''}` }) : null,
    d.recheck_due ? h('span', { class: 'chip warn', text: '待复查' }) : null,
    d.withdrawn_reason ? h('p', { text: `撤销原因：${d.withdrawn_reason}` }) : null,
    h('div', { class: 'ws-actions' }, actions));
}

/** #/ws/awards?month= */
export async function awardsView(ctx) {
  const month = /^\d{4}-\d{2}$/.test(ctx.query.get('month') || '') ? ctx.query.get('month') : thisMonth();
  await screen(ctx, '考评与评优', async () => {
    const [as, awards] = await Promise.all([api(ctx.session, `/reports/assessment?month=${month}`),
      api(ctx.session, '/records/awards?limit=100')]);
    const nominated = new Set(awards.items.filter((a) => a.data.period === month && a.data.status !== 'rejected').map((a) => a.data.centre_id));
    const nominate = async (c) => {
      const id = uuid();
      await sendEdit('awards', id, 0, { centre_id: c.centre_id, kind: 'best_hall', period: month, score: c.score, status: 'nominated',
        'nomination.by': ctx.session.user.id, 'nomination.at': Date.now(), 'nomination.reason': `${month} 规范化考评平均 ${score(c.score)} 分，无一票否决` });
      toast('已提名');
      ctx.rerender();
    };
    return h('div', null,
      h('div', { class: 'ws-bar' }, monthPicker(month, (m) => go(`#/ws/awards?month=${m}`))),
      table(`${month} 规范化考评（平均分 ≥ ${as.threshold} 且无一票否决可提名）`, [
        { key: 'name', label: '乡镇（中心）' },
        { key: 'inspections', label: '已通过检查', num: true },
        { key: 'score', label: '平均分', num: true, text: (c) => score(c.score) },
        { key: 'vetoed', label: '一票否决', text: (c) => (c.vetoed ? '是' : '否') },
        { key: 'windows', label: '窗口', text: (c) => (c.windows || []).map((w) => `${w.name} ${score(w.score)}${w.eligible ? '（可提名）' : ''}`).join('；') || '—' },
        { key: 'eligible', label: '可提名', text: (c) => (c.eligible
          ? (nominated.has(c.centre_id) ? h('span', { class: 'chip', text: '已提名' })
            : h('button', { class: 'btn small primary', type: 'button', text: '提名', 'aria-label': `提名 ${c.name}`, onclick: () => nominate(c).catch((e) => toast(e.message, 'error')) }))
          : '否') },
      ], as.centres, { sortable: true }),
      h('h2', { text: '评选流程' }),
      h('ul', { class: 'ws-list', 'aria-label': '评选' }, awards.items.length ? awards.items.map((a) => awardRow(ctx, a)) : h('li', { class: 'empty', text: '暂无评选' })));
  });
  return { live: false };
}

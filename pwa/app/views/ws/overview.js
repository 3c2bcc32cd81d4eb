/**
 * The county overview (a supervisor's and an admin's home): per township the month's
 * contract figures (reports/overview), sortable, a ranking bar chart, 12-month sparklines
 * (reports/trend); a centre's page with its figures and paged lists; the printable report.
 */

import { h } from '../../ui.js';
import { go } from '../../router.js';
import { api, bars, monthPicker, names, pagedList, pct, recordRow, score, screen, ServerRefused, sparkline, table, thisMonth } from './kit.js';

/** The contract's figures, in the order the table shows them. */
export const FIGURES = [
  { key: 'cases_completed', label: '办结件数', num: true },
  { key: 'on_time_rate', label: '按时办结率', num: true, fmt: pct },
  { key: 'overdue_open', label: '超期未办结', num: true },
  { key: 'home_visits', label: '上门服务', num: true },
  { key: 'satisfaction_rate', label: '满意率', num: true, fmt: pct },
  { key: 'inspection_score', label: '检查得分', num: true, fmt: score },
  { key: 'vetoed', label: '一票否决', fmt: (v) => (v ? '是' : '否') },
  { key: 'open_rectifications', label: '未完成整改', num: true },
  { key: 'complaints_overdue', label: '超期未回复投诉', num: true },
];

const monthOf = (ctx) => (/^\d{4}-\d{2}$/.test(ctx.query.get('month') || '') ? ctx.query.get('month') : thisMonth());

function columns(withLink, month) {
  return [
    { key: 'name', label: '乡镇（中心）', text: (r) => (withLink
      ? h('a', { href: `#/ws/centre/${encodeURIComponent(r.centre_id)}?month=${month}`, text: r.name || r.centre_id }) : (r.name || r.centre_id)) },
    ...FIGURES.map((f) => ({ key: f.key, label: f.label, num: f.num, text: f.fmt ? (r) => f.fmt(r[f.key]) : undefined })),
  ];
}

/**
 * The 12-month trend table; its months come with the figures.
 * @param {any[]} rows the overview's rows (one per centre)
 * @param {any} trend reports/trend
 */
function trendSection(rows, trend) {
  const series = new Map(trend.centres.map((c) => [c.centre_id, c.series]));
  return [
    h('h2', { text: `近 12 个月趋势（${trend.months[0]} 至 ${trend.months[trend.months.length - 1]}）` }),
    table('近 12 个月趋势', [
      { key: 'name', label: '乡镇（中心）' },
      { key: 'done', label: '办结件数', text: (r) => sparkline(`${r.name} 办结件数`, (series.get(r.centre_id) || {}).cases_completed || []) },
      { key: 'ontime', label: '按时办结率', text: (r) => sparkline(`${r.name} 按时办结率`, (series.get(r.centre_id) || {}).on_time_rate || []) },
      { key: 'score', label: '检查得分', text: (r) => sparkline(`${r.name} 检查得分`, (series.get(r.centre_id) || {}).inspection_score || []) },
    ], rows)];
}

/** #/ws/overview?month=YYYY-MM */
export async function overviewView(ctx) {
  const month = monthOf(ctx);
  // Both asked at once; the month's table is drawn as soon as its figures are here, and the
  // trend (twelve months of every centre, the slower report) fills its section when it comes.
  const trendAsked = api(ctx.session, `/reports/trend?months=12&month=${month}`);
  trendAsked.catch(() => {}); // its failure is shown in its section, not as an unhandled rejection
  const calendarAsked = api(ctx.session, '/calendar').catch(() => null);
  await screen(ctx, '全县总览', async () => {
    const [ov, cal] = await Promise.all([api(ctx.session, `/reports/overview?month=${month}`), calendarAsked]);
    const rows = ov.centres;
    const trendBox = h('section', { class: 'ws-trend', 'aria-busy': 'true' },
      h('p', { class: 'hint', text: '正在加载近 12 个月趋势…' }));
    trendAsked.then((trend) => trendBox.replaceChildren(...trendSection(rows, trend)), (err) => {
      trendBox.replaceChildren(h('p', { class: 'box warn', role: 'status',
        text: err instanceof ServerRefused ? `趋势无法显示：${err.message}` : '趋势需要联网，请稍后刷新。' }));
    }).finally(() => trendBox.removeAttribute('aria-busy'));
    return h('div', null,
      holidayWarning(cal),
      h('div', { class: 'ws-bar' },
        monthPicker(month, (m) => go(`#/ws/overview?month=${m}`)),
        h('a', { class: 'btn small', href: `#/ws/report?month=${month}`, text: '月度报告（打印）' })),
      table(`${month} 各乡镇指标（点表头排序）`, columns(true, month), rows, { sortable: true }),
      h('div', { class: 'ws-charts' },
        bars(`${month} 检查得分排名`, rows.map((r) => ({ label: r.name, value: r.inspection_score })), score),
        bars(`${month} 按时办结率排名`, rows.map((r) => ({ label: r.name, value: r.on_time_rate === null ? null : r.on_time_rate * 100 })), (v) => `${Math.round(v * 10) / 10}%`)),
      trendBox);
  });
  return { live: false };
}

/**
 * A year (this or next) without the State Council's holiday schedule: its deadlines count
 * Monday–Friday, missing holidays and 调休 working weekends, until an admin loads it.
 * @param {{unknown_years?: number[]} | null} cal `GET /calendar`
 */
function holidayWarning(cal) {
  const years = (cal && cal.unknown_years) || [];
  if (!years.length) return null;
  return h('p', { class: 'box warn', text: `尚未载入 ${years.join('、')} 年的法定节假日安排：`
    + '这些年份的办理期限暂按周一至周五计算，未计节假日和调休上班日。'
    + `请管理员按国务院办公厅公布的安排运行 fieldsync holidays --year ${years[0]} 载入。` });
}

const DRILL = [['cases', '办件'], ['visits', '走访'], ['inspections', '检查'], ['complaints', '投诉']];

/** #/ws/centre/<id>?month=&tab=cases|visits|inspections|complaints */
export async function centreView(ctx) {
  const id = ctx.params[0];
  const month = monthOf(ctx);
  const tab = DRILL.some(([k]) => k === ctx.query.get('tab')) ? ctx.query.get('tab') : 'cases';
  const enc = encodeURIComponent(id);
  await screen(ctx, '中心详情', async () => {
    const [ov, n] = await Promise.all([api(ctx.session, `/reports/overview?month=${month}&centre_id=${enc}`),
      tab === 'cases' ? names(ctx.session) : null]);
    const row = ov.centres[0] || { name: id };
    const list = await pagedList(ctx.session, `/records/${tab}?centre_id=${enc}&limit=50`, (item) => recordRow(item, null, n),
      `${row.name} 的${DRILL.find(([k]) => k === tab)?.[1]}`);
    return h('div', null,
      h('p', null, h('a', { href: `#/ws/overview?month=${month}`, text: '← 返回全县总览' })),
      h('h2', { text: `${row.name} · ${month}` }),
      h('dl', { class: 'ws-figures' }, FIGURES.map((f) => [h('dt', { text: f.label }),
        h('dd', { text: f.fmt ? f.fmt(row[f.key]) : String(row[f.key] ?? '—') })])),
      h('nav', { class: 'ws-tabs', 'aria-label': '中心记录' }, DRILL.map(([k, label]) => h('a', {
        href: `#/ws/centre/${enc}?month=${month}&tab=${k}`, text: label, 'aria-current': k === tab ? 'page' : null }))),
      list);
  });
  return { live: false };
}

/** #/ws/report?month= : the printable monthly report (A4, print CSS). */
export async function reportView(ctx) {
  const month = monthOf(ctx);
  await screen(ctx, `${month} 便民服务中心月度报告`, async () => {
    const ov = await api(ctx.session, `/reports/overview?month=${month}`);
    const rows = ov.centres;
    const sum = (k) => rows.reduce((a, r) => a + (r[k] || 0), 0);
    return h('div', { class: 'ws-report' },
      h('div', { class: 'ws-bar no-print' },
        monthPicker(month, (m) => go(`#/ws/report?month=${m}`)),
        h('button', { class: 'btn small primary', type: 'button', text: '打印', onclick: () => window.print() })),
      h('p', { text: `全县 ${rows.length} 个乡镇中心，本月办结 ${sum('cases_completed')} 件，超期未办结 ${sum('overdue_open')} 件，上门服务 ${sum('home_visits')} 次，未完成整改 ${sum('open_rectifications')} 项，超期未回复投诉 ${sum('complaints_overdue')} 件。` }),
      table(`${month} 各乡镇指标`, columns(false, month), rows, { sortKey: 'inspection_score', desc: true }),
      bars(`${month} 检查得分排名`, rows.map((r) => ({ label: r.name, value: r.inspection_score })), score));
  });
  return { live: false };
}

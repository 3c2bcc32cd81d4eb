/**
 * 考评细则 (rubric templates) in the county workspace: every template with its versions
 * (draft, published, superseded, retired) and the one new inspections use; draft a new version
 * from a published one (a new record with `supersedes` and version + 1) or a new template.
 * Templates are reference data the device syncs; drafting is an op like any edit, and the
 * server decides (only supervisors and admins write templates: rights in sync/schemas.json).
 */

import { h, toast } from '../../ui.js';
import { clone, edit, list, uuid } from '../../store.js';
import { kick } from '../../scheduler.js';
import { total } from '../../rubric.js';
import { templateProblem } from '../../rubric-zh.js';

/** Chinese names of a version's state. */
export const STATE_NAMES = { draft: '草稿', published: '已发布', superseded: '已被取代', retired: '已停用' };

/**
 * A version's state: its status, or `superseded` when a newer published version names it.
 * @param {any} t template record
 * @param {any[]} all every template record
 */
export function versionState(t, all) {
  const status = t.data.status || 'published';
  if (status !== 'published') return status;
  const newer = all.some((o) => o.id !== t.id && o.data.supersedes === t.id && (o.data.status || 'published') !== 'draft');
  return newer ? 'superseded' : 'published';
}

/**
 * Templates grouped by line (a version and those superseding it), newest version first.
 * @param {any[]} all
 * @returns {any[][]}
 */
export function lines(all) {
  const byId = new Map(all.map((t) => [t.id, t]));
  const rootOf = (t) => {
    const seen = new Set();
    let cur = t;
    while (cur.data.supersedes && byId.has(cur.data.supersedes) && !seen.has(cur.id)) {
      seen.add(cur.id);
      cur = byId.get(cur.data.supersedes);
    }
    return cur.id;
  };
  const groups = new Map();
  for (const t of all) {
    const root = rootOf(t);
    if (!groups.has(root)) groups.set(root, []);
    groups.get(root).push(t);
  }
  return [...groups.values()].map((g) => g.sort((a, b) => (b.data.version || 0) - (a.data.version || 0)));
}

const editHref = (id) => `#/ws/template/${encodeURIComponent(id)}`;

/**
 * A new draft: saved as an op (sent at once when online), then opened in the editor.
 * @param {Record<string, any>} data
 */
async function startDraft(data) {
  const id = uuid();
  await edit('templates', id, data);
  kick('manual');
  location.hash = editHref(id);
}

/**
 * Draft the next version of a published template: its sections copied, `supersedes` it.
 * @param {any} t the published template record
 */
export function draftNext(t) {
  const { name, county_id: county, sections } = t.data;
  return startDraft({ name, county_id: county, version: (t.data.version || 1) + 1, status: 'draft', supersedes: t.id,
    sections: clone(sections || []) });
}

/** The county a new template belongs to: the user's, else the first centre's (an admin). */
async function countyOf(session) {
  if (session.user.county_id) return session.user.county_id;
  const centres = await list('centres');
  return (centres.find((c) => c.data.county_id) || { data: {} }).data.county_id || '';
}

function versionRow(t, all, drafts, uses) {
  const state = versionState(t, all);
  const used = state === 'published';
  const max = templateProblem(t.data) ? '—' : total(t.data).toFixed(2);
  const next = used && !drafts.has(t.id)
    ? h('button', { class: 'btn small', type: 'button', text: '起草新版本', 'aria-label': `依据第 ${t.data.version} 版起草 ${t.data.name} 的新版本`,
      onclick: () => draftNext(t).catch((e) => toast(`起草失败：${e.message}`, 'error')) })
    : null;
  return h('tr', { 'data-template': t.id },
    h('th', { scope: 'row' }, h('a', { href: editHref(t.id), text: `第 ${t.data.version ?? '—'} 版` })),
    h('td', null, t.data.name || t.id),
    h('td', null, h('span', { class: `chip tpl-${state}`, text: STATE_NAMES[state] || state }),
      used ? h('span', { class: 'chip ok', text: '新检查使用此版本' }) : null,
      t.pending ? h('span', { class: 'chip', text: '待同步' }) : null,
      t.rejected && t.rejected.length ? h('span', { class: 'chip bad', text: '有修改被退回' }) : null),
    h('td', { class: 'num' }, max),
    h('td', { class: 'num' }, String(uses.get(t.id) || 0)),
    h('td', null, h('div', { class: 'ws-actions' },
      h('a', { class: 'btn small', href: editHref(t.id), text: state === 'draft' ? '编辑' : '查看',
        'aria-label': `${state === 'draft' ? '编辑' : '查看'} ${t.data.name} 第 ${t.data.version} 版` }), next)));
}

/**
 * The templates tab: each template's versions, and drafting.
 * @param {any} ctx
 */
export async function templatesList(ctx) {
  const all = (await list('templates')).filter((t) => !t.deleted);
  // Inspections scored by each version (those this device holds: a supervisor's county).
  const uses = new Map();
  for (const i of await list('inspections')) {
    if (!i.deleted && i.data.template_id) uses.set(i.data.template_id, (uses.get(i.data.template_id) || 0) + 1);
  }
  const drafts = new Set(all.filter((t) => t.data.status === 'draft' && t.data.supersedes).map((t) => t.data.supersedes));
  const groups = lines(all);
  const fresh = h('button', { class: 'btn primary', type: 'button', text: '新建考评细则', onclick: async () => {
    try {
      await startDraft({ name: '新考评细则', county_id: await countyOf(ctx.session), version: 1, status: 'draft', sections: [] });
    } catch (e) { toast(`新建失败：${e.message}`, 'error'); }
  } });
  return h('div', { class: 'tpl-list' },
    h('p', { class: 'hint', text: '已发布的版本不能修改；要改动请“起草新版本”，试评分无误后发布。新开始的检查使用最新发布的版本，已有的检查始终按其所用版本计分。' }),
    h('div', { class: 'row' }, fresh),
    groups.length ? groups.map((g) => {
      const head = g.find((t) => versionState(t, all) === 'published') || g[0];
      const caption = `${head.data.name || head.id}：各版本`;
      return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
        h('table', { class: 'ws-table' }, h('caption', { text: caption }),
          h('thead', null, h('tr', null, ['版本', '名称', '状态', '满分', '已用于检查', '操作'].map((c, i) => h('th', { scope: 'col', class: i === 3 || i === 4 ? 'num' : null, text: c })))),
          h('tbody', null, g.map((t) => versionRow(t, all, drafts, uses)))));
    }) : h('p', { class: 'empty', text: '还没有考评细则' }));
}

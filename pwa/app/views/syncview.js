/**
 * 同步: everything not yet on the server, in plain view. Pending changes, photos on their
 * way, changes the server refused (with the reason, editable and resendable, or given up
 * on purpose), records with conflicts, and logging out.
 */

import { add, h, fmtTime, toast } from '../ui.js';
import { TITLES, fieldLabel, reasonText } from '../labels.js';
import { discardOp, fixOp, getMeta, list, listSummaries, outbox, pendingUploads } from '../store.js';
import { syncState, watchSyncState } from '../syncstate.js';
import { enumOf, specAt, validate } from '../schema.js';
import { APP_VERSION } from '../config.js';
import { kick } from '../scheduler.js';
import { logout } from '../session.js';
import { go, onLeave } from '../router.js';
import { valueText } from './common.js';
import { shasOf } from '../sync.js';
import { pushSupported, subscribePush } from '../pushsub.js';

const HREF = { visits: '#/visit/', cases: '#/case/' };

function opLine(op) {
  const paths = Object.keys(op.set || {});
  const what = op.delete ? '删除' : op.base === 0 ? '新建' : '修改';
  const fields = paths.slice(0, 4).map((p) => fieldLabel(op.collection, p)).join('、') + (paths.length > 4 ? ` 等 ${paths.length} 项` : '');
  return `${what}${TITLES[op.collection] || op.collection}${fields ? `：${fields}` : ''}`;
}

/**
 * An input for one field of a rejected op, typed by the schema.
 * @returns {{el: HTMLElement, read: () => any}}
 */
const SHA = /^[0-9a-f]{64}$/;

function editor(collection, path, value, bad) {
  const spec = specAt(collection, path);
  const label = fieldLabel(collection, path);
  const isSha = (x) => typeof x === 'string' && SHA.test(x);
  if (!bad && (isSha(value) || Array.isArray(value) || (value !== null && typeof value === 'object'))) {
    // Photos, a signature, staff lists: kept as they are, shown for what they are.
    const text = isSha(value) ? '已签名' : Array.isArray(value) && value.length && value.every(isSha)
      ? `${value.length} 张照片` : valueText(collection, path, value);
    return { el: h('div', { class: 'field' }, h('span', { class: 'label', text: label }), h('p', { class: 'hint', text })),
      read: () => value };
  }
  const id = `fix-${Math.random().toString(36).slice(2)}`;
  let input;
  let read;
  const choices = enumOf(collection, path);
  if (choices.length) {
    input = h('select', { id }, choices.map((c) => h('option', { value: c, selected: c === value, text: valueText(collection, path, c) })));
    read = () => input.value;
  } else if (spec && spec.type === 'boolean') {
    input = h('input', { id, type: 'checkbox', checked: !!value });
    read = () => input.checked;
  } else if (spec && (spec.type === 'number' || spec.type === 'integer')) {
    input = h('input', { id, inputmode: 'decimal', value: value ?? '' });
    read = () => (input.value.trim() === '' ? null : Number(input.value));
  } else if (typeof value === 'string' || value === null || value === undefined) {
    input = h(String(value || '').length > 40 ? 'textarea' : 'input', { id, value: value ?? '' });
    read = () => input.value.trim() || null;
  } else {
    input = h('textarea', { id, value: JSON.stringify(value) });
    read = () => JSON.parse(input.value);
  }
  return { el: h('div', { class: `field${bad ? ' bad' : ''}` }, h('label', { for: id, text: label }), input), read };
}

function rejectedCard(op, rerender) {
  const badPath = op.error && op.error.details && op.error.details.path;
  const editors = Object.entries(op.set || {}).map(([p, v]) => [p, editor(op.collection, p, v, p === badPath)]);
  const msg = h('p', { class: 'error', role: 'alert' });
  const href = HREF[op.collection];
  return h('li', { class: 'box bad' },
    h('p', null, h('strong', { text: opLine(op) }), href ? h('a', { href: href + encodeURIComponent(op.record), text: ' 查看记录' }) : null),
    h('p', { class: 'reason', text: `未通过原因：${reasonText(op.collection, op.error)}` }),
    op.error && op.error.message ? h('details', { class: 'hint' }, h('summary', { text: '技术信息' }),
      h('code', { text: op.error.message })) : null,
    h('p', { class: 'hint', text: `修改于 ${fmtTime(op.at)}` }),
    editors.map(([, e]) => e.el),
    msg,
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'btn primary', text: '重新发送', onclick: async () => {
        try {
          /** @type {Record<string, any>} */
          const set = {};
          for (const [p, e] of editors) set[p] = e.read();
          const problems = validate(op.collection, set);
          if (problems.length) throw new Error(problems.map((p) => p.message).join('；'));
          await fixOp(op.seq, set);
          toast('已改好，正在重新发送');
          rerender();
          await kick('manual');
          rerender();
        } catch (err) {
          msg.textContent = err instanceof SyntaxError ? '格式不正确' : err.message;
        }
      } }),
      h('button', { type: 'button', class: 'btn danger', text: '放弃此更改', onclick: async () => {
        if (!confirm('放弃后，这项更改不会再发送到服务器（服务器已保留被退回的记录供核查）。确定放弃吗？')) return;
        await discardOp(op.seq);
        rerender();
      } })));
}

/**
 * The state rows of the 同步 page, from the one sync state (syncstate.js).
 * @param {import('../syncstate.js').SyncState} st
 * @param {{initialDone: any, persisted: boolean | null}} more
 */
function stateRows(st, more) {
  const kv = (k, v) => h('div', { class: 'kv' }, h('dt', { text: k }), h('dd', { text: v }));
  const how = st.state === 'running' ? '正在同步…' : st.state === 'waiting' ? '已联网，即将同步'
    : st.lastError ? `上次失败：${st.lastError}${st.nextAt ? `，${Math.max(1, Math.round((st.nextAt - Date.now()) / 1000))} 秒后重试` : ''}` : '正常';
  return [
    kv('未同步更改', `${st.unsent} 项${st.rejected ? `（其中 ${st.rejected} 项被退回）` : ''}`),
    kv('待上传照片', `${st.photos} 张`),
    kv('上次成功同步', st.lastSync ? fmtTime(st.lastSync) : '尚未同步'),
    kv('同步状态', st.online ? how : '离线'),
    more.initialDone ? null : kv('首次同步', '未完成，联网后继续'),
    kv('本机存储', more.persisted === true ? '已设为持久保存' : more.persisted === false ? '可能被浏览器清理，请勿清除浏览器数据' : '未知'),
    kv('应用版本', APP_VERSION),
  ];
}

/** #/sync */
export async function syncView(ctx) {
  const [ops, ups, st, initialDone, visits, cases] = await Promise.all([
    outbox(), pendingUploads(), syncState(), getMeta('initialDone'), listSummaries('visits'), list('cases')]);
  const pushed = await getMeta('push');
  /** Which unsent change a photo or signature belongs to. */
  const ownerOf = (sha) => {
    const op = ops.find((o) => shasOf(o).includes(sha));
    const kind = op && op.set && op.set.signature === sha ? '签名' : '照片';
    return op ? `${opLine(op)} 的${kind}` : `${kind} ${sha.slice(0, 8)}…`;
  };
  const pending = ops.filter((o) => o.state === 'pending');
  const rejected = ops.filter((o) => o.state === 'rejected');
  const conflicted = [...visits, ...cases].filter((r) => r.conflicts.length);
  let persisted = null;
  try { persisted = navigator.storage && navigator.storage.persisted ? await navigator.storage.persisted() : null; } catch { /* unknown */ }
  const more = { initialDone, persisted };
  const rows = h('dl', { class: 'kvs', 'aria-label': '同步概况' }, stateRows(st, more));
  // The rows follow the sync state live, also while a fix is typed below (the view is
  // then not redrawn as a whole).
  const stop = watchSyncState((now) => {
    more.initialDone = more.initialDone || now.lastSync;
    rows.replaceChildren(...stateRows(now, more).filter(Boolean));
  });
  onLeave(stop);
  add(ctx.main, 
    h('h1', { text: '同步' }),
    rows,
    rejected.length ? h('section', { 'aria-label': '被退回的更改' }, h('h2', { text: `被退回的更改（${rejected.length}）` }),
      h('p', { class: 'hint', text: '服务器没有接受这些更改。请按原因修改后重新发送；它们不会被自动删除。' }),
      h('ul', { class: 'plain' }, rejected.map((op) => rejectedCard(op, ctx.rerender)))) : null,
    h('section', { 'aria-label': '未同步的更改' }, h('h2', { text: `等待发送（${pending.length}）` }),
      pending.length ? h('ul', { class: 'list' }, pending.map((op) => h('li', { class: 'item' },
        h('div', { class: 'item-top' }, h('span', { class: 'grow', text: opLine(op) }), h('span', { class: 'hint', text: fmtTime(op.at) })),
        HREF[op.collection] ? h('a', { href: HREF[op.collection] + encodeURIComponent(op.record), text: '查看' }) : null)))
        : h('p', { class: 'empty', text: '没有等待发送的更改' })),
    ups.length ? h('section', { 'aria-label': '待上传照片' }, h('h2', { text: `待上传照片（${ups.length}）` }),
      h('ul', { class: 'list' }, ups.map((u) => h('li', { class: 'item' },
        `${ownerOf(u.sha)}：${Math.round(u.size / 1024)} KB，已传 ${Math.round((100 * u.received) / Math.max(1, u.size))}%`,
        u.error ? h('span', { class: 'chip bad', text: u.error.message }) : null)))) : null,
    conflicted.length ? h('section', { 'aria-label': '有冲突的记录' }, h('h2', { text: `有冲突的记录（${conflicted.length}）` }),
      h('ul', { class: 'list' }, conflicted.map((r) => h('li', null, h('a', { class: 'item', href: HREF[r.collection] + encodeURIComponent(r.id),
        text: `${TITLES[r.collection]}：${(r.data.applicant && r.data.applicant.name) || r.id}（${r.conflicts.length} 处）` }))))) : null,
    // Offered only once this phone has synced: never a permission prompt at first load.
    st.lastSync ? h('section', { 'aria-label': '消息提醒' },
      h('h2', { text: '消息提醒' }),
      h('p', { class: 'hint', text: pushed ? '本机已开启消息提醒。' : pushSupported()
        ? '开启后，有新任务、检查退回、临近到期或超期时手机会收到提醒。' : '此浏览器不支持消息推送；通知会在同步后出现在“通知”页。' }),
      pushSupported() ? h('button', { type: 'button', class: 'btn', text: '开启消息提醒', onclick: async (e) => {
        const b = /** @type {HTMLButtonElement} */ (e.currentTarget);
        b.disabled = true;
        const out = await subscribePush();
        b.disabled = false;
        toast(out.message, out.ok ? undefined : 'error');
      } }) : null) : null,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn danger', text: '退出登录', onclick: async (e) => {
      const b = /** @type {HTMLButtonElement} */ (e.currentTarget);
      b.disabled = true;
      b.textContent = '正在同步后退出…';
      try {
        if (await logout((m) => confirm(m))) go('#/login', true);
      } finally {
        b.disabled = false;
        b.textContent = '退出登录';
      }
    } })));
  // With a fix being typed, a background refresh must not redraw (and lose) it.
  return { live: !rejected.length };
}

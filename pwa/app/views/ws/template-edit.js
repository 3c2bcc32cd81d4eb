/**
 * #/ws/template/<id>: one rubric template version. A draft is edited here (title, sections
 * with mode and points, group caps, items with their rule and its parameters), checked as it
 * is typed by the same code the server runs (rubric.js, rubric-zh.js), previewed on sample
 * answers with the phone's scorer (preview.js), saved and published as ops. A published or
 * superseded version is shown read-only (the server refuses edits `immutable`); a problem
 * the server sent back (a quarantined op) is shown at the field its path names, in Chinese.
 */

import { h, toast } from '../../ui.js';
import { clone, discardOp, edit, get, list, outbox } from '../../store.js';
import { kick } from '../../scheduler.js';
import { placeText, problemText, templateProblem } from '../../rubric-zh.js';
import { screen } from './kit.js';
import { preview } from './preview.js';
import { draftNext, STATE_NAMES, versionState } from './templates.js';

const MODES = [['deduct', '扣分制（从满分扣减）'], ['earn', '得分制（从 0 累计）'], ['bonus', '加分项（从 0 累加，不超过上限）']];
const RULE_NAMES = [['deduct_each', '每发现一处扣分'], ['deduct_per_incident', '每发生一次扣分'], ['proportional', '按比例得分（实测值 ÷ 目标值）'],
  ['rating', '满意度评价（五级）'], ['bonus', '加分'], ['veto', '一票否决']];
/** The parameters a rule starts with when it is chosen (the group stays where allowed). */
const DEFAULTS = { deduct_each: { per: 1 }, deduct_per_incident: { per: 1 }, proportional: { points: 5, target: 100 },
  rating: { points: 5 }, bonus: { per: 1 }, veto: {} };

/** Why a version cannot be edited, by its state. */
const READONLY = {
  published: '此版本已发布，不能修改；新开始的检查使用此版本，已用它的检查始终按它计分。要改动请起草新版本。',
  superseded: '此版本已被新版本取代，不能修改；已用它的检查仍按它计分。',
  retired: '此版本已停用，不能修改；已用它的检查仍按它计分。',
};

const idOf = (path) => `tpl-${path.replace(/\./g, '-')}`;

/** Text typed in a number field: '' → unset, a number → the number, else kept (shown as a problem). */
function parseNumber(text) {
  const t = text.trim();
  if (t === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

/** Set (or with `undefined`, delete) the value at a dotted path of nested objects and arrays. */
function setAt(obj, path, value) {
  const parts = path.split('.');
  let node = obj;
  for (const p of parts.slice(0, -1)) node = node[p];
  const last = parts[parts.length - 1];
  if (value === undefined) delete node[last]; else node[last] = value;
}

/** A fresh id not used by any section or item of the template. */
function freshId(work, prefix) {
  const used = new Set(work.sections.flatMap((s) => [s.id, ...(s.items || []).map((i) => i.id)]));
  let n = 1;
  while (used.has(`${prefix}${n}`)) n += 1;
  return `${prefix}${n}`;
}

/** #/ws/template/<id> */
export async function templateEditView(ctx) {
  const id = ctx.params[0];
  await screen(ctx, '考评细则', async () => {
    const rec = await get('templates', id);
    if (!rec || rec.deleted) return h('p', { class: 'box bad', role: 'alert', text: '未找到该考评细则（同步后再试）' });
    const all = (await list('templates')).filter((t) => !t.deleted);
    return editor(ctx, rec, all);
  });
  return { live: false, form: true };
}

function editor(ctx, rec, all) {
  const work = clone(rec.data);
  work.sections = Array.isArray(work.sections) ? work.sections : [];
  const state = versionState(rec, all);
  const readonly = state !== 'draft';
  const before = all.find((t) => t.id === work.supersedes);
  const status = h('p', { class: 'tpl-status', role: 'status' });
  const serverBox = h('div', { class: 'tpl-server' });
  const body = h('div', { class: 'tpl-body' });
  const form = h('form', { class: 'tpl-form', novalidate: true, 'aria-label': `编辑 ${work.name || ''} 第 ${work.version} 版` });
  const pv = preview(() => work, rec.id);

  /** Problems shown at fields ({code, message, path}): the page's own check, then the server's refusals. */
  let local = null;
  let fromServer = [];

  function clearMarks() {
    for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
    for (const el of form.querySelectorAll('.error')) el.textContent = '';
  }

  /** The element a path is shown at: its field, else the nearest enclosing part (item, section). */
  function target(path) {
    let p = path;
    while (p) {
      const el = form.querySelector(`[data-path="${CSS.escape(p)}"]`);
      if (el) return el;
      p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '';
    }
    return form.querySelector('[data-path="name"]');
  }

  function mark(path, text) {
    const el = target(path);
    if (!el) return null;
    const err = form.querySelector(`#${CSS.escape(`${el.id}-error`)}`); // the form may not be on the page yet
    if (err) err.textContent = err.textContent ? `${err.textContent}；${text}` : text;
    el.setAttribute('aria-invalid', 'true');
    return el;
  }

  function showProblems() {
    clearMarks();
    if (local) mark(local.path, problemText(local));
    for (const p of fromServer) mark(p.path, `服务器退回：${problemText(p)}`);
  }

  /** Re-check after an edit: the field's problem at once, the preview's score again. */
  function changed() {
    local = readonly ? null : templateProblem(work);
    showProblems();
    pv.redraw();
  }

  function numberField(path, label, value, hint) {
    const input = h('input', { type: 'text', inputmode: 'decimal', id: idOf(path), 'data-path': path, value: value ?? '',
      'aria-describedby': `${idOf(path)}-error${hint ? ` ${idOf(path)}-hint` : ''}`, autocomplete: 'off' });
    input.addEventListener('input', () => { setAt(work, path, parseNumber(input.value)); changed(); });
    return h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input,
      hint ? h('p', { class: 'hint', id: `${input.id}-hint`, text: hint }) : null, h('p', { class: 'error', id: `${input.id}-error` }));
  }

  function textField(path, label, value, { area = false } = {}) {
    const input = h(area ? 'textarea' : 'input', { id: idOf(path), 'data-path': path, value: value ?? '', rows: area ? '2' : null,
      type: area ? null : 'text', 'aria-describedby': `${idOf(path)}-error`, autocomplete: 'off' });
    input.addEventListener('input', () => { setAt(work, path, input.value); changed(); });
    return h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input, h('p', { class: 'error', id: `${input.id}-error` }));
  }

  function selectField(path, label, value, options, onPick) {
    const input = h('select', { id: idOf(path), 'data-path': path, 'aria-describedby': `${idOf(path)}-error` },
      options.map(([v, l]) => h('option', { value: v, text: l, selected: v === value })));
    input.addEventListener('change', () => onPick(input.value));
    return h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input, h('p', { class: 'error', id: `${input.id}-error` }));
  }

  /** A structural change: redraw the form, then focus `focusId` (or what had focus). */
  function restructure(fn, focusId) {
    const had = document.activeElement && document.activeElement.id;
    fn();
    draw();
    changed();
    const el = document.getElementById(focusId || had || '');
    if (el) el.focus();
  }

  function button(text, label, onclick) {
    return h('button', { class: 'btn small', type: 'button', text, 'aria-label': label, onclick });
  }

  function groupCaps(sec, sp) {
    const caps = sec.group_caps || {};
    const rows = Object.entries(caps).map(([name, cap], g) => {
      const nameId = `${idOf(sp)}-gname-${g}`;
      const nameInput = h('input', { type: 'text', id: nameId, value: name, autocomplete: 'off' });
      nameInput.addEventListener('change', () => restructure(() => {
        const next = {};
        const renamed = nameInput.value.trim().replace(/\./g, '');
        for (const [k, v] of Object.entries(sec.group_caps)) next[k === name ? renamed : k] = v;
        for (const item of sec.items) if (item.group === name) item.group = renamed;
        sec.group_caps = next;
      }, nameId));
      return h('div', { class: 'tpl-row' },
        h('div', { class: 'field' }, h('label', { for: nameId, text: `分组 ${g + 1} 名称` }), nameInput),
        numberField(`${sp}.group_caps.${name}`, `分组 ${g + 1} 合计上限`, cap),
        button('删除分组', `删除分组 ${name}`, () => restructure(() => {
          delete sec.group_caps[name];
          for (const item of sec.items) if (item.group === name) delete item.group;
          if (!Object.keys(sec.group_caps).length) delete sec.group_caps;
        }, `${idOf(sp)}-addgroup`)));
    });
    return h('div', { class: 'tpl-groups' }, h('h4', { text: '分组上限（同组各项合计不超过上限）' }), rows,
      readonly ? null : h('button', { class: 'btn small', type: 'button', id: `${idOf(sp)}-addgroup`, text: '添加分组', onclick: () => restructure(() => {
        sec.group_caps = sec.group_caps || {};
        let n = 1;
        while (sec.group_caps[`g${n}`] !== undefined) n += 1;
        sec.group_caps[`g${n}`] = 5;
      }) }));
  }

  function ruleParams(item, ip, sec) {
    const out = [];
    const rule = item.rule;
    if (rule === 'deduct_each' || rule === 'deduct_per_incident') {
      out.push(numberField(`${ip}.per`, '每次扣分', item.per, '留空按 1 分'), numberField(`${ip}.cap`, '本项最多扣分', item.cap, '留空不设上限'));
    } else if (rule === 'proportional') {
      out.push(numberField(`${ip}.points`, '分值', item.points), numberField(`${ip}.target`, '目标值（达到即得满分）', item.target));
    } else if (rule === 'rating') {
      out.push(numberField(`${ip}.points`, '分值', item.points, '非常满意得满分，满意 90%，比较满意 75%，一般 50%，不满意 0'));
    } else if (rule === 'bonus') {
      const tiered = Array.isArray(item.tiers);
      out.push(selectField(`${ip}.kind`, '加分方式', tiered ? 'tiers' : 'per', [['per', '按次数（每次加分，可设上限）'], ['tiers', '按档次（实测值达到起点即加分）']],
        (v) => restructure(() => {
          delete item.per; delete item.cap; delete item.tiers;
          if (v === 'tiers') item.tiers = [{ min: 0, add: 1 }]; else item.per = 1;
        })));
      if (tiered) {
        item.tiers.forEach((tier, k) => {
          out.push(h('div', { class: 'tpl-row' }, numberField(`${ip}.tiers.${k}.min`, `第 ${k + 1} 档起点`, tier.min),
            numberField(`${ip}.tiers.${k}.add`, `第 ${k + 1} 档加分`, tier.add),
            readonly ? null : button('删除此档', `删除第 ${k + 1} 档`, () => restructure(() => { item.tiers.splice(k, 1); }, `${idOf(ip)}-addtier`))));
        });
        if (!readonly) out.push(h('button', { class: 'btn small', type: 'button', id: `${idOf(ip)}-addtier`, text: '添加一档', onclick: () => restructure(() => {
          const last = item.tiers[item.tiers.length - 1];
          item.tiers.push({ min: last && typeof last.min === 'number' ? last.min + 1 : 0, add: 1 });
        }) }));
      } else {
        out.push(numberField(`${ip}.per`, '每次加分', item.per), numberField(`${ip}.cap`, '本项最多加分', item.cap, '留空不设上限'));
      }
    }
    if (rule !== 'veto') {
      const names = Object.keys(sec.group_caps || {});
      if (item.group && !names.includes(item.group)) names.push(item.group);
      out.push(selectField(`${ip}.group`, '分组', item.group || '', [['', '不分组'], ...names.map((n) => [n, n])], (v) => {
        setAt(work, `${ip}.group`, v || undefined);
        changed();
      }));
    }
    if (rule === 'deduct_each' || rule === 'deduct_per_incident') {
      const path = `${ip}.na`;
      const box = h('input', { type: 'checkbox', id: idOf(path), 'data-path': path, checked: item.na !== false,
        'aria-describedby': `${idOf(path)}-hint ${idOf(path)}-error` });
      box.addEventListener('change', () => { setAt(work, path, box.checked ? undefined : false); changed(); });
      out.push(h('div', { class: 'field check' }, h('label', { for: box.id }, box, h('span', { text: '检查时可标“不适用”' })),
        h('p', { class: 'hint', id: `${idOf(path)}-hint`, text: '不适用：不扣分，算已评。不勾选则本项每次检查都须评分。' }),
        h('p', { class: 'error', id: `${idOf(path)}-error` })));
    } else {
      out.push(h('p', { class: 'hint', text: rule === 'veto' ? '检查时选“否决”则本次检查一票否决；不计分' : '此规则不能标“不适用”' }));
    }
    return out;
  }

  function itemBox(item, ip, sec, j, sp) {
    const legend = `第 ${j + 1} 项（${item.id}）`;
    return h('fieldset', { class: 'tpl-item', id: idOf(ip), 'data-path': ip, 'aria-describedby': `${idOf(ip)}-error` },
      h('legend', { text: legend }),
      h('p', { class: 'error', id: `${idOf(ip)}-error` }),
      textField(`${ip}.text`, '考评内容', item.text, { area: true }),
      selectField(`${ip}.rule`, '评分规则', item.rule, RULE_NAMES, (v) => restructure(() => {
        const group = item.group;
        for (const k of ['per', 'cap', 'target', 'points', 'tiers', 'group', 'na']) delete item[k];
        Object.assign(item, clone(DEFAULTS[v] || {}), { rule: v });
        if (group && v !== 'veto') item.group = group;
      })),
      ruleParams(item, ip, sec),
      readonly ? null : h('div', { class: 'row' },
        j > 0 ? moveButton('上移', `上移${legend}`, sec.items, j, -1, `${sp}.items`, 'up') : null,
        j < sec.items.length - 1 ? moveButton('下移', `下移${legend}`, sec.items, j, 1, `${sp}.items`, 'down') : null,
        button('删除此项', `删除${legend}`, () => restructure(() => { sec.items.splice(j, 1); }, `${idOf(sp)}-additem`))));
  }

  /** Move an item one place up or down; focus follows it (to the same button where it lands). */
  function moveButton(text, label, list, j, step, base, which) {
    const to = j + step;
    const stay = (which === 'up' && to > 0) || (which === 'down' && to < list.length - 1);
    const other = which === 'up' ? 'down' : 'up';
    return h('button', { class: 'btn small', type: 'button', id: `${idOf(`${base}.${j}`)}-${which}`, text, 'aria-label': label,
      onclick: () => restructure(() => { [list[j], list[to]] = [list[to], list[j]]; }, `${idOf(`${base}.${to}`)}-${stay ? which : other}`) });
  }

  function sectionBox(sec, i) {
    const sp = `sections.${i}`;
    sec.items = Array.isArray(sec.items) ? sec.items : [];
    const legend = `第 ${i + 1} 部分：${sec.name || '（未命名）'}`;
    return h('fieldset', { class: 'tpl-section', id: idOf(sp), 'data-path': sp, 'aria-describedby': `${idOf(sp)}-error` },
      h('legend', { text: legend }),
      h('p', { class: 'error', id: `${idOf(sp)}-error` }),
      h('div', { class: 'tpl-row' },
        textField(`${sp}.name`, '部分名称', sec.name),
        selectField(`${sp}.mode`, '计分方式', sec.mode, MODES, (v) => { setAt(work, `${sp}.mode`, v); changed(); }),
        numberField(`${sp}.points`, sec.mode === 'bonus' ? '加分上限' : '满分', sec.points)),
      groupCaps(sec, sp),
      h('div', { class: 'tpl-items', 'data-path': `${sp}.items`, id: idOf(`${sp}.items`) },
        h('p', { class: 'error', id: `${idOf(`${sp}.items`)}-error` }),
        sec.items.map((item, j) => itemBox(item, `${sp}.items.${j}`, sec, j, sp))),
      readonly ? null : h('div', { class: 'row' },
        h('button', { class: 'btn small', type: 'button', id: `${idOf(sp)}-additem`, text: '添加考评项', 'aria-label': `在第 ${i + 1} 部分添加考评项`,
          onclick: () => {
            const iid = freshId(work, 'i');
            restructure(() => { sec.items.push({ id: iid, text: '', rule: 'deduct_each', per: 1 }); }, idOf(`${sp}.items.${sec.items.length}.text`));
          } }),
        button('删除此部分', `删除${legend}`, () => restructure(() => { work.sections.splice(i, 1); }, 'tpl-addsection'))));
  }

  function draw() {
    const fields = h('fieldset', { class: 'tpl-all', disabled: readonly },
      h('legend', { class: 'visually-hidden', text: '考评细则内容' }),
      textField('name', '考评细则名称', work.name),
      h('div', { 'data-path': 'sections', id: idOf('sections') }, h('p', { class: 'error', id: `${idOf('sections')}-error` }),
        work.sections.map((sec, i) => sectionBox(sec, i))),
      readonly ? null : h('button', { class: 'btn', type: 'button', id: 'tpl-addsection', text: '添加考评部分', onclick: () => {
        const sid = freshId(work, 'S');
        restructure(() => { work.sections.push({ id: sid, name: '', mode: 'deduct', points: 10, items: [] }); }, idOf(`sections.${work.sections.length}.name`));
      } }));
    form.replaceChildren(fields, readonly ? null : h('div', { class: 'row tpl-actions' },
      h('button', { class: 'btn primary', type: 'submit', text: '保存草稿' }),
      h('button', { class: 'btn', type: 'button', text: '发布此版本', onclick: publish })));
    pv.redraw();
  }

  /** Send an edit of this record; the server's refusal (if any) comes back as {code, message, path}. */
  async function send(set) {
    const op = await edit('templates', rec.id, set);
    await kick('manual');
    const left = (await outbox()).find((o) => o.id === op.id);
    if (!left) return { sent: true };
    if (left.state === 'rejected') {
      const e = left.error || {};
      return { refused: { code: e.code, message: e.message || '', path: (e.details && e.details.path) || '', seq: left.seq } };
    }
    return { sent: false };
  }

  function refusedAt(p) {
    fromServer = [p];
    showProblems();
    const el = target(p.path);
    status.textContent = `服务器退回：${placeText(p.path)} ${problemText(p)}`;
    if (el) el.focus();
  }

  function stopAt(p) {
    showProblems();
    status.textContent = `有问题：${placeText(p.path)} ${problemText(p)}`;
    const el = target(p.path);
    if (el) el.focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    local = templateProblem(work);
    if (local) { stopAt(local); return; }
    const r = await send({ name: work.name, sections: work.sections });
    if (r.refused) { refusedAt(r.refused); return; }
    fromServer = [];
    showProblems();
    status.textContent = r.sent ? '草稿已保存' : '草稿已保存在本机，联网后发送';
  });

  async function publish() {
    local = templateProblem(work, { publish: true });
    if (local) { stopAt(local); return; }
    if (!window.confirm(`发布“${work.name}”第 ${work.version} 版？发布后不能再修改${before ? `，第 ${before.data.version} 版将被取代` : ''}。`)) return;
    const r = await send({ name: work.name, sections: work.sections, status: 'published' });
    if (r.refused) { refusedAt(r.refused); return; }
    toast(r.sent ? '已发布' : '已保存，联网后发布');
    ctx.rerender();
  }

  // Problems the server sent back for this record (quarantined ops still in the outbox).
  fromServer = (rec.rejected || []).map((op) => ({ code: op.error && op.error.code, message: (op.error && op.error.message) || '',
    path: (op.error && op.error.details && op.error.details.path) || '', seq: op.seq }));
  if (fromServer.length) {
    serverBox.replaceChildren(h('div', { class: 'box bad', role: 'alert' },
      h('p', { text: '服务器退回了对此考评细则的修改：' }),
      h('ul', null, fromServer.map((p) => h('li', null, `${placeText(p.path) || '考评细则'}：${problemText(p)} `,
        h('button', { class: 'btn small', type: 'button', text: '放弃这次修改', onclick: async () => {
          await discardOp(p.seq);
          ctx.rerender();
        } }))))));
  }

  draw();
  changed();
  const head = h('div', { class: 'tpl-head' },
    h('p', null, h('a', { href: '#/ws/admin?tab=templates', text: '← 全部考评细则' })),
    h('h2', { text: `${work.name || '（未命名）'} · 第 ${work.version} 版` }),
    h('p', null, h('span', { class: `chip tpl-${state}`, text: STATE_NAMES[state] || state }),
      before ? h('span', { class: 'hint', text: ` 依据第 ${before.data.version} 版起草` }) : null),
    readonly ? h('div', { class: 'box' }, h('p', { text: READONLY[state] || READONLY.published }),
      state === 'published' ? h('button', { class: 'btn', type: 'button', text: '起草新版本', onclick: () => draftNext(rec).catch((e) => toast(e.message, 'error')) }) : null) : null);
  body.replaceChildren(h('div', { class: 'tpl-main' }, serverBox, form, status), pv.el);
  return h('div', { class: 'tpl-editor' }, head, body);
}

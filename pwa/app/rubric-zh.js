// Rubric template problems in Chinese, for people: the checks are rubric.js's (the same as the
// server's sync/rubric.py and sync/templates.py, in the same order, at the same paths), and the
// server's refusals (`invalid` with a path, `immutable`, `invalid_transition`, `forbidden`) read
// the same way, so a problem found on the phone and one sent back by the server are shown alike
// at the field they name.

import { RubricError, validate } from './rubric.js';

/** Names of a template's fields, by the last segment of a path. */
const FIELDS = {
  name: '名称', mode: '计分方式', points: '分值', items: '考评项', id: '编号', text: '考评内容', rule: '评分规则',
  per: '每次分值', cap: '最多', target: '目标值', tiers: '档次', min: '档次起点', add: '档次加分', group: '分组',
  group_caps: '分组上限', na: '可标不适用', sections: '考评部分', supersedes: '所依据的版本', version: '版本号', status: '状态',
};

/** [pattern of the English message, Chinese text] in the order the checks can say them. */
const MESSAGES = /** @type {[RegExp, string | ((m: RegExpExecArray) => string)][]} */ ([
  [/expected a number/, '请填写数字'],
  [/must be > 0/, '必须大于 0'],
  [/must be ≥ 0/, '不能为负数'],
  [/must be ≤ (\d+)/, (m) => `不能超过 ${m[1]}`],
  [/hundredths/, '分值最多保留两位小数'],
  [/duplicate id/, '编号与其他项重复'],
  [/expected 1–64 letters/, '编号只能用 1–64 位字母、数字、_ 或 -'],
  [/unknown rule/, '请选择评分规则'],
  [/must be one of/, '请选择计分方式'],
  [/not used by rule/, '这种评分规则不用此项，请删去'],
  [/required by rule/, '这种评分规则必须填写此项'],
  [/either tiers or per/, '加分项须选定“按档次”或“按次数”其中一种'],
  [/only a bonus by per takes a cap/, '按档次加分的项不设上限'],
  [/has no cap in the section's group_caps/, '此分组在本部分还没有设上限'],
  [/bad group name/, '分组名只能用字母、数字、_ 或 -'],
  [/tiers must go up by min/, '档次起点须逐档增大'],
  [/expected a non-empty array/, '至少要有一档'],
  [/at least one section/, '发布前至少要有一个考评部分'],
  [/at least one item/, '发布前每个部分至少要有一个考评项'],
  [/already superseded/, '所依据的版本已被另一个新版本取代，请从最新版本起草'],
  [/a draft is edited, not superseded/, '不能依据草稿起草新版本'],
  [/the version after/, '版本号须比所依据的版本大 1'],
  [/another county/, '不能依据其他县的考评细则'],
  [/: no template/, '所依据的版本不存在（可能尚未同步）'],
  [/expected true or false/, '请选择是或否'],
  [/cannot be not applicable/, '此项不能标“不适用”'],
  [/expected a string/, '请填写'],
  [/expected an object|expected an array/, '格式不对'],
  [/unknown field/, '不认识的字段'],
]);

/**
 * Where a path points, in words: "第 2 部分 第 3 项 分值".
 * @param {string} path e.g. sections.1.items.2.points
 */
export function placeText(path) {
  const parts = path ? path.split('.') : [];
  const out = [];
  for (let i = 0; i < parts.length; i += 1) {
    const p = parts[i];
    const n = Number(parts[i + 1]);
    if (p === 'sections' && Number.isInteger(n)) { out.push(`第 ${n + 1} 部分`); i += 1; } else if (p === 'items' && Number.isInteger(n)) { out.push(`第 ${n + 1} 项`); i += 1; } else if (p === 'tiers' && Number.isInteger(n)) { out.push(`第 ${n + 1} 档`); i += 1; } else if (p === 'group_caps' && parts[i + 1] !== undefined) { out.push(`分组 ${parts[i + 1]} 的上限`); i += 1; } else out.push(FIELDS[p] || p);
  }
  return out.join(' ');
}

/**
 * A problem as Chinese text: the server's code and message (or rubric.js's), for the field.
 * @param {{code?: string, message?: string, path?: string}} problem
 */
export function problemText({ code = 'invalid', message = '', path = '' }) {
  if (code === 'immutable') return '此版本已发布，不能再修改；请起草新版本';
  if (code === 'invalid_transition') return '状态不能这样改（已发布的版本不能退回草稿）';
  if (code === 'forbidden') return '只有督查人员和管理员可以修改考评细则';
  if (code !== 'invalid') return `服务器拒绝（${code}）`;
  for (const [re, zh] of MESSAGES) {
    const m = re.exec(message);
    if (m) return typeof zh === 'function' ? zh(m) : zh;
  }
  return '不符合考评细则的规则';
}

/**
 * Whether a draft may be published: the rubric checks, then what publishing adds on the server
 * (templates.check_publish: at least one section, each with an item). Returns the first
 * problem {code, message, path} or null.
 * @param {any} data template data
 * @param {{publish?: boolean}} [opts]
 */
export function templateProblem(data, opts = {}) {
  try {
    validate({ sections: (data && data.sections) || [] });
  } catch (err) {
    if (err instanceof RubricError) return { code: 'invalid', message: err.message, path: err.path };
    throw err;
  }
  if (typeof data.name !== 'string' || !data.name.trim()) return { code: 'invalid', message: 'name: expected a string', path: 'name' };
  if (!opts.publish) return null;
  if (!data.sections || !data.sections.length) return { code: 'invalid', message: 'sections: a published template has at least one section', path: 'sections' };
  const empty = data.sections.findIndex((s) => !s.items || !s.items.length);
  if (empty >= 0) return { code: 'invalid', message: `sections.${empty}.items: a published section has at least one item`, path: `sections.${empty}.items` };
  return null;
}

// Rubric arithmetic on the phone: the same checks and scores as sync/rubric.py (the contract is
// RUBRICS.md), so the live total the inspector sees is the server's to the hundredth. A test
// fuzzes the two against each other: same result, or the same rejection at the same path, so
// keep the order of the checks identical to the Python module.
//
// Points are whole hundredths (the template's per, cap, points, tier adds and group caps are
// checked to be), so sums are integers of hundredths; the one division (proportional) is done
// exactly with BigInt decimals and rounded half-up at the item, like Python's Decimal.

export const RULES = ['deduct_each', 'deduct_per_incident', 'proportional', 'rating', 'bonus', 'veto'];
const DEDUCT = new Set(['deduct_each', 'deduct_per_incident']);
const MODES = ['deduct', 'earn', 'bonus'];
export const RATINGS = { very_satisfied: 20, satisfied: 18, fairly_satisfied: 15, average: 10, dissatisfied: 0 };
const MAX_FIGURE = 1000000;
const MAX_COUNT = 10000;
const KEY = /^[A-Za-z0-9_-]{1,64}$/;
const SECTION_KEYS = ['group_caps', 'id', 'items', 'mode', 'name', 'points'];
const ITEM_KEYS = ['cap', 'group', 'id', 'na', 'per', 'points', 'rule', 'target', 'text', 'tiers'];
const ALLOWED = {
  deduct_each: ['per', 'cap', 'group', 'na'],
  deduct_per_incident: ['per', 'cap', 'group', 'na'],
  proportional: ['points', 'target', 'group'],
  rating: ['points', 'group'],
  bonus: ['per', 'cap', 'tiers', 'group'],
  veto: [],
};
const REQUIRED = { proportional: ['points', 'target'], rating: ['points'] };
const FIELD_ORDER = ['per', 'cap', 'target', 'points', 'tiers', 'group', 'na'];
const ANSWER_KEYS = ['count', 'na', 'note', 'photos', 'rating', 'value', 'vetoed'];
const ANSWER_OF = { deduct_each: 'count', deduct_per_incident: 'count', proportional: 'value', rating: 'rating', veto: 'vetoed' };

/** A malformed template or answer: `path` names where (e.g. `sections.0.items.2.rule`). */
export class RubricError extends Error {
  constructor(message, path) { super(message); this.name = 'RubricError'; this.code = 'invalid'; this.path = path; }
}
const fail = (path, message) => { throw new RubricError(message, path); };
const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
const get = (obj, key) => (has(obj, key) ? obj[key] : undefined);
const none = (v) => v === null || v === undefined;
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNum = (x) => typeof x === 'number' && Number.isFinite(x);

// -- exact decimals: a JS number as mantissa × 10^exp (BigInt), from its shortest form ----------
function decimal(x) {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(x));
  const frac = m[3] || '';
  return { m: BigInt(m[1] + m[2] + frac), e: Number(m[4] || 0) - frac.length };
}
function isHundredths(x) {
  const d = decimal(x);
  if (d.e >= -2) return true;
  return d.m % (10n ** BigInt(-2 - d.e)) === 0n;
}
/** A number known to be whole hundredths, as an integer of hundredths. */
function hundredths(x) {
  const d = decimal(x);
  const shift = d.e + 2;
  return Number(shift >= 0 ? d.m * 10n ** BigInt(shift) : d.m / 10n ** BigInt(-shift));
}
/** num / den (non-negative BigInts), rounded half-up to an integer. */
const halfUp = (num, den) => (2n * num + den) / (2n * den);

function figure(x, path, { points = false, positive = false } = {}) {
  if (!isNum(x)) fail(path, `${path}: expected a number`);
  if (x < 0 || (positive && x === 0)) fail(path, `${path}: must be ${positive ? '> 0' : '≥ 0'}`);
  if (x > MAX_FIGURE) fail(path, `${path}: must be ≤ ${MAX_FIGURE}`);
  if (points && !isHundredths(x)) fail(path, `${path}: points are counted in hundredths (at most 2 decimals)`);
}

// -- templates -----------------------------------------------------------------------------
/** Throw RubricError (with the path) unless `data` is a well-formed rubric template. */
export function validate(data) {
  if (!isObject(data)) fail('', 'a template must be an object');
  const sections = get(data, 'sections');
  if (!Array.isArray(sections)) fail('sections', 'sections: expected an array');
  const sectionIds = new Set();
  const itemIds = new Set();
  sections.forEach((sec, i) => checkSection(sec, `sections.${i}`, sectionIds, itemIds));
}

function unknownKeys(obj, known, path) {
  for (const key of Object.keys(obj).sort()) {
    if (!known.includes(key)) fail(`${path}.${key}`, `${path}.${key}: unknown field`);
  }
}

function checkId(obj, path, seen) {
  const id = get(obj, 'id');
  if (typeof id !== 'string' || !KEY.test(id)) fail(`${path}.id`, `${path}.id: expected 1–64 letters, digits, '_' or '-'`);
  if (seen.has(id)) fail(`${path}.id`, `${path}.id: duplicate id '${id}'`);
  seen.add(id);
}

function checkSection(sec, path, sectionIds, itemIds) {
  if (!isObject(sec)) fail(path, `${path}: expected an object`);
  unknownKeys(sec, SECTION_KEYS, path);
  checkId(sec, path, sectionIds);
  if (typeof get(sec, 'name') !== 'string') fail(`${path}.name`, `${path}.name: expected a string`);
  if (!MODES.includes(get(sec, 'mode'))) fail(`${path}.mode`, `${path}.mode: must be one of ${MODES.join(', ')}`);
  figure(get(sec, 'points'), `${path}.points`, { points: true });
  const caps = has(sec, 'group_caps') ? sec.group_caps : {};
  if (!isObject(caps)) fail(`${path}.group_caps`, `${path}.group_caps: expected an object`);
  for (const name of Object.keys(caps).sort()) {
    const where = `${path}.group_caps.${name}`;
    if (!KEY.test(name)) fail(where, `${where}: bad group name`);
    figure(caps[name], where, { points: true });
  }
  const items = get(sec, 'items');
  if (!Array.isArray(items)) fail(`${path}.items`, `${path}.items: expected an array`);
  items.forEach((item, j) => checkItem(item, `${path}.items.${j}`, itemIds, caps));
}

function checkItem(item, path, seen, caps) {
  if (!isObject(item)) fail(path, `${path}: expected an object`);
  unknownKeys(item, ITEM_KEYS, path);
  checkId(item, path, seen);
  if (typeof get(item, 'text') !== 'string') fail(`${path}.text`, `${path}.text: expected a string`);
  const rule = get(item, 'rule');
  if (typeof rule !== 'string' || !has(ALLOWED, rule)) fail(`${path}.rule`, `${path}.rule: unknown rule; one of ${RULES.join(', ')}`);
  const allowed = ALLOWED[rule];
  const required = REQUIRED[rule] || [];
  for (const key of FIELD_ORDER) {
    if (has(item, key) && !allowed.includes(key)) fail(`${path}.${key}`, `${path}.${key}: not used by rule ${rule}`);
    if (required.includes(key) && !has(item, key)) fail(`${path}.${key}`, `${path}.${key}: required by rule ${rule}`);
  }
  if (rule === 'bonus') {
    if (has(item, 'tiers') === has(item, 'per')) fail(`${path}.per`, `${path}.per: a bonus item has either tiers or per`);
    if (has(item, 'tiers') && has(item, 'cap')) fail(`${path}.cap`, `${path}.cap: only a bonus by per takes a cap`);
  }
  for (const key of FIELD_ORDER) if (has(item, key)) checkField(key, item[key], `${path}.${key}`, caps);
}

function checkField(key, value, path, caps) {
  if (key === 'per' || key === 'cap' || key === 'points') figure(value, path, { points: true });
  else if (key === 'target') figure(value, path, { positive: true });
  else if (key === 'na') {
    if (typeof value !== 'boolean') fail(path, `${path}: expected true or false`);
  } else if (key === 'group') {
    if (typeof value !== 'string' || !has(caps, value)) fail(path, `${path}: group has no cap in the section's group_caps`);
  } else {
    if (!Array.isArray(value) || value.length === 0) fail(path, `${path}: expected a non-empty array`);
    let last = null;
    value.forEach((tier, k) => {
      const where = `${path}.${k}`;
      if (!isObject(tier)) fail(where, `${where}: expected an object`);
      unknownKeys(tier, ['add', 'min'], where);
      figure(get(tier, 'min'), `${where}.min`);
      figure(get(tier, 'add'), `${where}.add`, { points: true });
      if (last !== null && tier.min <= last) fail(`${where}.min`, `${where}.min: tiers must go up by min`);
      last = tier.min;
    });
  }
}

/** Every item of a (valid) template by id, in template order. */
export function itemsOf(template) {
  const out = new Map();
  for (const sec of template.sections) for (const item of sec.items) out.set(item.id, item);
  return out;
}

/** The most a (valid) template can score. */
export function total(template) {
  return template.sections.reduce((sum, s) => sum + hundredths(s.points), 0) / 100;
}

/**
 * The most the items of a (valid) template can reach together, as sync/rubric.py `most`:
 * each item at its best (no lapse, very satisfied, the target met, the highest tier, `per` ×
 * the largest count up to its cap), group caps applied, each section clamped to
 * [0, points]. A re-inspection's maximum is `most(subset(...))`; a whole rubric shows `total`.
 */
export function most(template) {
  let out = 0;
  for (const sec of template.sections) {
    const points = hundredths(sec.points);
    const caps = has(sec, 'group_caps') ? sec.group_caps : {};
    const groups = new Map();
    let loose = 0;
    for (const item of sec.items) {
      const top = best(item);
      if (has(item, 'group')) groups.set(item.group, (groups.get(item.group) || 0) + top);
      else loose += top;
    }
    for (const [name, sum] of groups) loose += Math.min(hundredths(caps[name]), sum);
    const start = sec.mode === 'deduct' ? points : 0;
    out += Math.max(0, Math.min(points, start + loose));
  }
  return out / 100;
}

/** An item's largest contribution in hundredths (a deduction at best takes nothing). */
function best(item) {
  if (item.rule === 'proportional' || item.rule === 'rating') return hundredths(item.points);
  if (item.rule === 'bonus') {
    if (has(item, 'tiers')) return Math.max(...item.tiers.map((t) => hundredths(t.add)));
    const amount = hundredths(item.per) * MAX_COUNT;
    return has(item, 'cap') ? Math.min(amount, hundredths(item.cap)) : amount;
  }
  return 0;
}

// -- answers -------------------------------------------------------------------------------
const answerKey = (item) => (item.rule === 'bonus' ? (has(item, 'tiers') ? 'value' : 'count') : ANSWER_OF[item.rule]);

/** Throw RubricError unless every answer fits its item's rule (the template is valid). */
export function checkAnswers(template, items) {
  if (none(items)) return;
  if (!isObject(items)) fail('items', 'items: expected an object');
  const known = itemsOf(template);
  for (const id of Object.keys(items).sort()) {
    const answer = items[id];
    const path = `items.${id}`;
    if (!known.has(id)) fail(path, `${path}: no such item in the template`);
    if (none(answer)) continue;
    if (!isObject(answer)) fail(path, `${path}: expected an object`);
    unknownKeys(answer, ANSWER_KEYS, path);
    const item = known.get(id);
    const scored = answerKey(item);
    for (const key of ANSWER_KEYS) {
      const value = get(answer, key);
      if (none(value)) continue;
      const where = `${path}.${key}`;
      if (['count', 'value', 'rating', 'vetoed'].includes(key) && key !== scored) {
        fail(where, `${where}: item ${id} (${item.rule}) is not answered by ${key}`);
      }
      if (key === 'na' && !DEDUCT.has(item.rule)) fail(where, `${where}: only deduction items can be not applicable`);
      if (key === 'na' && value === true && get(item, 'na') === false) fail(where, `${where}: item ${id} cannot be not applicable`);
      checkAnswerValue(key, value, where);
    }
  }
}

function checkAnswerValue(key, value, path) {
  let ok;
  if (key === 'count') ok = isNum(value) && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT;
  else if (key === 'value') ok = isNum(value) && value >= 0 && value <= MAX_FIGURE;
  else if (key === 'rating') ok = typeof value === 'string' && has(RATINGS, value);
  else if (key === 'vetoed' || key === 'na') ok = typeof value === 'boolean';
  else if (key === 'note') ok = typeof value === 'string';
  else ok = Array.isArray(value);
  if (!ok) fail(path, `${path}: not a valid ${key}`);
}

// -- scoring (integers of hundredths) ---------------------------------------------------------
function contribution(item, answer) {
  const rule = item.rule;
  if (DEDUCT.has(rule)) {
    if (get(answer, 'na') === true || none(get(answer, 'count'))) return 0;
    let amount = hundredths(has(item, 'per') ? item.per : 1) * answer.count;
    if (has(item, 'cap')) amount = Math.min(amount, hundredths(item.cap));
    return -amount;
  }
  if (rule === 'proportional') {
    const value = get(answer, 'value');
    if (none(value)) return 0;
    const points = hundredths(item.points);
    if (value >= item.target) return points;
    const v = decimal(value);
    const t = decimal(item.target);
    let num = BigInt(points) * v.m;
    let den = t.m;
    const shift = v.e - t.e;
    if (shift >= 0) num *= 10n ** BigInt(shift); else den *= 10n ** BigInt(-shift);
    return Number(halfUp(num, den));
  }
  if (rule === 'rating') {
    const rating = get(answer, 'rating');
    if (none(rating)) return 0;
    return Number(halfUp(BigInt(hundredths(item.points) * RATINGS[rating]), 20n));
  }
  if (rule === 'bonus') {
    if (has(item, 'tiers')) {
      const value = get(answer, 'value');
      let add = 0;
      for (const tier of item.tiers) if (!none(value) && tier.min <= value) add = tier.add;
      return hundredths(add);
    }
    const count = get(answer, 'count');
    if (none(count)) return 0;
    let amount = hundredths(item.per) * count;
    if (has(item, 'cap')) amount = Math.min(amount, hundredths(item.cap));
    return amount;
  }
  return 0;
}

function answered(item, answer) {
  if (none(answer)) return false;
  if (DEDUCT.has(item.rule) && get(answer, 'na') === true) return true;
  return !none(get(answer, answerKey(item)));
}

function scoreValid(template, items) {
  let score = 0;
  let vetoed = false;
  const sections = {};
  const unanswered = [];
  for (const sec of template.sections) {
    const points = hundredths(sec.points);
    const caps = has(sec, 'group_caps') ? sec.group_caps : {};
    const groups = new Map();
    let loose = 0;
    for (const item of sec.items) {
      const answer = get(items, item.id);
      if (!answered(item, answer)) { unanswered.push(item.id); continue; }
      if (item.rule === 'veto' && answer.vetoed === true) vetoed = true;
      const part = contribution(item, answer);
      if (has(item, 'group')) groups.set(item.group, (groups.get(item.group) || 0) + part);
      else loose += part;
    }
    for (const [name, sum] of groups) {
      const cap = hundredths(caps[name]);
      loose += Math.max(-cap, Math.min(cap, sum));
    }
    const start = sec.mode === 'deduct' ? points : 0;
    const value = Math.max(0, Math.min(points, start + loose));
    sections[sec.id] = value / 100;
    score += value;
  }
  return { score: score / 100, vetoed, sections, unanswered };
}

function present(items) {
  const out = {};
  if (!none(items)) for (const [k, v] of Object.entries(items)) if (!none(v)) out[k] = v;
  return out;
}

/** Score answers against a template: {score, vetoed, sections, unanswered}; throws RubricError. */
export function score(template, items) {
  validate(template);
  return scoreAnswers(template, items);
}

/**
 * The template reduced to `itemIds` (sections holding none of them dropped; the others keep
 * their mode, points and group caps), as sync/rubric.py `subset`: what a re-inspection is
 * scored against, so its most is `most(subset(...))`. Throws RubricError on bad ids.
 */
export function subset(template, itemIds) {
  if (!Array.isArray(itemIds) || !itemIds.every((id) => typeof id === 'string')) fail('item_ids', 'item_ids: expected an array of item ids');
  const wanted = new Set(itemIds);
  const known = itemsOf(template);
  for (const id of [...wanted].sort()) if (!known.has(id)) fail('item_ids', `item_ids: no item '${id}' in the template`);
  const sections = [];
  for (const sec of template.sections) {
    const kept = sec.items.filter((item) => wanted.has(item.id));
    if (kept.length) sections.push({ ...sec, items: kept });
  }
  return { ...template, sections };
}

/** Score a re-inspection of only `itemIds`: the template reduced to those items (`subset`),
 * answers checked against the whole template. */
export function scoreSubset(template, items, itemIds) {
  validate(template);
  return scoreSubsetAnswers(template, items, itemIds);
}

function scoreAnswers(template, items) {
  checkAnswers(template, items);
  return scoreValid(template, present(items));
}

function scoreSubsetAnswers(template, items, itemIds) {
  checkAnswers(template, items);
  const reduced = subset(template, itemIds);
  const wanted = new Set(reduced.sections.flatMap((sec) => sec.items.map((item) => item.id)));
  const answers = {};
  for (const [k, v] of Object.entries(present(items))) if (wanted.has(k)) answers[k] = v;
  return scoreValid(reduced, answers);
}

/**
 * One template's scorer for a screen that rescores on every tap: the template is validated
 * once, here (throws RubricError), then `score(items)` / `scoreSubset(items, itemIds)` check
 * the answers and score exactly as `score` / `scoreSubset` do. The template must not change
 * afterwards.
 */
export function scorer(template) {
  validate(template);
  return {
    score: (items) => scoreAnswers(template, items),
    scoreSubset: (items, itemIds) => scoreSubsetAnswers(template, items, itemIds),
  };
}

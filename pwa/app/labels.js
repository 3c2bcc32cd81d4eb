/**
 * Chinese words for what the schemas name in English: enum values, field paths and error
 * codes. Display text only: which values exist comes from the schemas.
 */

/** @type {Record<string, Record<string, string>>} */
const ENUMS = {
  'visits.kind': { home_service: '上门服务', site_survey: '现场踏勘', follow_up: '走访' },
  'visits.signature_fallback.kind': { attestation: '工作人员代签（有见证人）', fingerprint: '按手印' },
  'visits.status': { planned: '计划', in_progress: '进行中', done: '已完成', cancelled: '已取消' },
  'cases.channel': { window: '窗口受理', home: '上门受理', agency: '全程代办', appointment: '预约办理', green: '绿色通道' },
  'cases.status': { consulted: '咨询', accepted: '已受理', supplement: '待补件', handling: '办理中', completed: '已办结',
    refused: '不予受理', returned: '退办' },
  'complaints.status': { open: '待答复', replied: '已答复', verified: '已核实', dismissed: '不予受理' },
  'evaluations.source': { evaluator: '评价器', callback: '电话回访', good_bad: '好差评', third_party: '第三方评估',
    hotline: '12345热线', department: '部门评议' },
  'matters.kind': { immediate: '即办件', time_limited: '承诺件', joint: '联办件' },
  'complaints.channel': { window: '窗口', phone: '电话', hotline: '12345热线', letter: '来信', online: '网上' },
  'inspections.status': { draft: '草稿', submitted: '已提交', returned: '已退回', approved: '已通过' },
  'accountability.status': { open: '待说明', explained: '已说明，待结案', closed: '已结案' },
  'accountability.kind': { overdue_case: '办件超期', overdue_complaint: '投诉答复超期', overdue_rectification: '整改超期' },
  'accountability.subject.collection': { cases: '办件', complaints: '投诉', rectifications: '整改' },
  'rectifications.status': { open: '整改中', responded: '已答复', verified: '已验收', failed: '未通过', overdue: '已超期' },
};

/** @type {Record<string, string>} */
const FIELDS = {
  notes: '备注', outcome: '办理结果', reason: '事由', address: '地址', status: '状态', kind: '类型',
  case_id: '关联办件', visit_id: '关联走访', planned_at: '计划时间', started_at: '开始时间', ended_at: '结束时间',
  'applicant.name': '申请人', 'applicant.phone': '联系电话', 'applicant.id_number': '身份证号',
  'location.lat': '纬度', 'location.lon': '经度', 'location.accuracy': '定位精度', photos: '照片', signature: '签名',
  staff_ids: '工作人员', centre_id: '服务中心', matter_id: '事项', channel: '受理渠道', accepted_at: '受理时间',
  completed_at: '办结时间', handler_id: '经办人', first_asked_by: '首问人', rating: '满意度', comment: '回访意见',
  source: '来源', at: '时间', staff_id: '工作人员', _deleted: '删除',
  signature_fallback: '签名替代方式', 'signature_fallback.kind': '签名替代方式', 'signature_fallback.reason': '不能签名的原因',
  'signature_fallback.witness': '见证人', 'signature_fallback.photo': '手印照片', 'signature_fallback.by': '记录人',
  'signature_fallback.at': '记录时间',
  due_at: '承诺期限', overdue: '已超期', window_id: '窗口', days_owed: '尚余工作日', callback_due: '回访期限',
  extension: '延期', 'extension.days': '延期工作日', 'extension.reason': '延期原因', pauses: '暂停计时',
  missing_materials: '补件清单', refusal_reason: '不予受理原因', return_reason: '退办理由', notice_numbers: '通知书编号',
  handed_to: '移交记录', detected_at: '发现超期时间', explanation: '情况说明', conclusion: '结案意见', send_back_reason: '退回原因', notice_dates: '通知书日期',
  subject: '问责对象',
  'subject.collection': '问责对象类型', 'subject.record': '问责对象', content: '投诉内容', received_at: '收到时间',
  reply_due: '答复期限', reply: '答复', replied_at: '答复时间', verified: '已核实', verification: '核实意见',
  reopened_at: '退回时间', answered_at: '本次答复时间',
  complainant: '投诉人', 'complainant.name': '投诉人', 'complainant.phone': '联系电话',
};

/** @type {Record<string, string>} */
const ERRORS = {
  invalid: '数据不符合要求', forbidden: '无权限修改', unknown_collection: '未知的数据类型',
  stale_schema: '应用版本过旧，请先更新应用', device_revoked: '设备已停用：未发送的内容已交主管审核，不会丢失', bad_request: '请求有误',
  token_expired: '登录已过期，请重新登录', unauthorized: '需要重新登录', rate_limited: '请求过于频繁，稍后再试',
  payload_too_large: '数据过大', no_progress: '上传没有进展',
  invalid_transition: '状态变更不被允许', immutable: '记录已办结锁定，不能再修改',
};

/** Role names, for saying who may make a change the server refused. */
export const ROLES = { field: '外勤人员', centre: '中心工作人员', inspector: '检查人员', supervisor: '督查人员', admin: '管理员' };

/**
 * Why a sync failed, in Chinese (the server's own messages are English, for developers).
 * @param {any} err NetworkError (its message is ours, Chinese), HttpFailed or AuthFailed
 */
export function errorText(err) {
  if (!err) return '';
  if (err.name === 'NetworkError') return err.message;
  if (err.name === 'AuthFailed') return ERRORS[err.message] || '需要重新登录';
  if (err.name === 'HttpFailed') {
    if (err.status >= 500) return `服务器暂时不可用（${err.status}）`;
    return ERRORS[err.code || ''] || `服务器拒绝了请求（${err.status}）`;
  }
  return '发生意外错误';
}

/**
 * Label of an enum value ('' → '').
 * @param {string} collection
 * @param {string} field
 * @param {string} value
 */
export function enumLabel(collection, field, value) {
  if (value === undefined || value === null || value === '') return '';
  const table = ENUMS[`${collection}.${field}`];
  return (table && table[value]) || value;
}

/**
 * Label of a field path (unknown paths are shown as they are).
 * @param {string} collection
 * @param {string} path
 */
export function fieldLabel(collection, path) {
  return FIELDS[path] || FIELDS[path.split('.')[0]] || path;
}

/**
 * A rejected op's reason in Chinese, with the field it concerns.
 * @param {string} collection
 * @param {{code?: string, message?: string, details?: any}} error
 */
export function reasonText(collection, error) {
  if (!error) return '';
  const base = ERRORS[error.code || ''] || `服务器拒绝（${error.code || '未知原因'}）`;
  const d = error.details || {};
  if (error.code === 'invalid_transition' && d.to !== undefined) {
    const label = (v) => enumLabel(collection, 'status', v) || '（新建）';
    const allowed = (d.allowed || []).map(label).join('、') || '无';
    return `${base}：不能从“${label(d.from)}”改为“${label(d.to)}”，可改为：${allowed}`;
  }
  if (error.code === 'forbidden' && d.path && d.value !== undefined) {
    // a value or a move only some roles may set (verify, approve, send back): say who may
    const value = enumLabel(collection, d.path, d.value) || String(d.value);
    const move = d.from !== undefined ? `从“${enumLabel(collection, d.path, d.from) || '（新建）'}”` : '';
    const order = Object.keys(ROLES);
    const who = [...(d.roles || [])].sort((a, b) => order.indexOf(a) - order.indexOf(b)).map((r) => ROLES[r] || r).join('、');
    return `${base}：${fieldLabel(collection, d.path)}不能${move}改为“${value}”${who ? `，只有${who}可以` : ''}`;
  }
  if (error.code === 'invalid' && d.path === 'extension' && d.due_at !== undefined) {
    // 延期 is granted while the promised time limit runs, never after it has passed
    return `${base}：该办件已超过承诺期限，不能再延期（延期须在期限届满前批准）`;
  }
  const path = error.details && error.details.path;
  if (!path) return base;
  const label = `${base}：${fieldLabel(collection, path)}`;
  if (error.code === 'invalid' && d.when && typeof d.when === 'object' && Object.keys(d.when).length) {
    // a field a state needs (a refusal's reason, a supplement's list): say which state
    const [wp, wv] = Object.entries(d.when)[0];
    return `${label}：${fieldLabel(collection, wp)}为“${enumLabel(collection, wp, String(wv))}”时必须填写`;
  }
  return error.code === 'invalid' && INVALID_AT[path] ? `${label}：${INVALID_AT[path]}` : label;
}

/** What an `invalid` refusal at these paths means, beyond naming the field. */
const INVALID_AT = {
  'extension.reason': '延期须写明原因',
  'extension.days': '延期天数须为 1–60 个工作日',
  extension: '每件办件只能延期一次',
};

/** Collection titles for lists of mixed records. */
export const TITLES = { visits: '走访', cases: '办件', evaluations: '回访', complaints: '投诉', inspections: '检查',
  rectifications: '整改', centres: '服务中心', matters: '事项', templates: '考评细则' };

/**
 * What a revoked phone says after it erased itself. `left`: ops the server never took
 * (they are gone); otherwise everything unsent reached the server and waits there, in
 * quarantine, until a supervisor reviews it: it is not lost.
 * @param {number} left
 */
export function revokedNotice(left) {
  return left
    ? `此设备已被停用，${left} 项更改未能送达，本机数据已清除。`
    : '此设备已被停用：最后未同步的更改已交主管审核，不会丢失。本机数据已清除。';
}

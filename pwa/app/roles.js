/**
 * The role-shaped app: each role's home and the screens its navigation offers. Controls a
 * role may not use are not shown; the server checks every call anyway.
 */

/** Roles that run the county workspace (figures and lists from the server). */
export const WORKSPACE = ['supervisor', 'admin'];

/** Roles whose device keeps the inspection screens for offline use (sw/shell.js INSPECTION):
 * inspectors, the county, and centres answering a rectification. Never a field phone. */
export const INSPECTION_ROLES = ['inspector', 'supervisor', 'admin', 'centre'];

/**
 * The hash a role opens on: field and centre staff their day (今日; a centre user's is the
 * centre's day), inspectors their inspections to do, supervisors and admins the overview.
 * @param {any} session
 */
export function homeFor(session) {
  const role = session && session.user ? session.user.role : '';
  if (WORKSPACE.includes(role)) return '#/ws/overview';
  if (role === 'inspector') return '#/inspections';
  return '#/today';
}

/**
 * The navigation links ([href, label]) of a role.
 * @param {any} session
 * @returns {[string, string][]}
 */
export function navFor(session) {
  const role = session && session.user ? session.user.role : '';
  if (WORKSPACE.includes(role)) {
    return [['#/ws/overview', '总览'], ['#/ws/boards', '看板'], ['#/ws/queues', '审核'], ['#/ws/awards', '评优'],
      ['#/ws/ledgers', '台账'], ['#/ws/admin', '管理'], ['#/inbox', '通知'], ['#/sync', '同步']];
  }
  if (role === 'inspector') return [['#/inspections', '检查'], ['#/inbox', '通知'], ['#/sync', '同步']];
  return [['#/today', '今日'], ['#/cases', '办件'], ['#/visits', '走访'], ['#/complaints', '投诉'], ['#/inbox', '通知'],
    ['#/sync', '同步']];
}

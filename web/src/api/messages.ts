// The API speaks English in its problem details; people read Chinese. These turn the
// messages our services give (marshmallow's and our own) into plain Chinese sentences.

const FIELD_MESSAGES: [RegExp, string | ((m: RegExpMatchArray) => string)][] = [
  [/^Missing data for required field\.?$/i, '这一项必须填写。'],
  [/^Field may not be null\.?$/i, '这一项必须填写。'],
  [/^Unknown field\.?$/i, '系统不认识这一项。'],
  [/^Not a valid integer\.?$/i, '请填写整数。'],
  [/^Not a valid number\.?$/i, '请填写数字。'],
  [/^Not a valid (string|list|boolean)\.?$/i, '填写的格式不对。'],
  [/^Not a valid date\.?$/i, '日期格式不对，请按“年-月-日”填写。'],
  [/^Not a valid datetime\.?$/i, '时间格式不对。'],
  [/^Not a valid aware datetime\.?$/i, '时间格式不对。'],
  [/^Must be one of:.*$/i, '请从给出的选项中选择。'],
  [/^Length must be between (\d+) and (\d+)\.?$/i, (m) => `长度应在 ${m[1]} 到 ${m[2]} 个字之间。`],
  [/^Shorter than minimum length (\d+)\.?$/i, (m) => `至少要 ${m[1]} 个字。`],
  [/^Longer than maximum length (\d+)\.?$/i, (m) => `最多 ${m[1]} 个字。`],
  [/^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.?$/i,
    (m) => `应在 ${m[1]} 到 ${m[2]} 之间。`],
  [/^Quantity counts whole packages, from 1 to 100\.?$/i, '药品按整份计，每种 1 到 100 份。'],
  [/^Not a valid mainland phone number\.?$/i, '手机号不对：请填写 11 位手机号或带区号的座机号。'],
  [/^Birth date is in the future\.?$/i, '出生日期不能晚于今天。'],
  [/^Birth date is before 1900\.?$/i, '出生日期不能早于 1900 年。'],
  [/^Blood pressure is systolic\/diastolic.*$/i, '血压请按“收缩压/舒张压”填写，例如 130/85。'],
  [/^A follow-up is 1 to 365 days away\.?$/i, '随访间隔应在 1 到 365 天之间。'],
  [/id.?number|checksum|ID card/i, '身份证号不对，请核对后再填。'],
  [/^Malformed JSON\.?$/i, '提交的内容格式不对。'],
  [/must be after|ends after it starts/i, '结束时间要晚于开始时间。'],
  [/Registration closes before the activity ends/i, '报名截止时间要早于活动结束。'],
]

export function fieldMessage(english: string): string {
  for (const [pattern, chinese] of FIELD_MESSAGES) {
    const match = english.match(pattern)
    if (match) return typeof chinese === 'string' ? chinese : chinese(match)
  }
  return /[\u4e00-\u9fff]/.test(english) ? english : '这一项填写得不对，请检查。'
}

// Known reasons a state refuses an action (409 details), in plain words.
const DETAILS: [RegExp, string][] = [
  [/already (completed|been completed)/i, '这件事已经办完了，不能再办。'],
  [/cancelled/i, '这件事已经取消了。'],
  [/full|capacity/i, '名额已满。'],
  [/already registered|one live registration|already holds/i, '已经报过名了。'],
  [/registration.*closed|closes_at|after registration/i, '报名已经截止了。'],
  [/audience|not one of/i, '这个活动只面向特定居民。'],
  [/waitlist/i, '还在候补，不能签到。'],
  [/already supported|one support|repeat/i, '已经支持过这条建议了。'],
  [/not open|is closed|scheduled/i, '议事周现在没有开放。'],
  [/scope|does not live/i, '这位居民不住在这次议事的范围里。'],
  [/already decided|decision only once/i, '这条建议已经有了决定。'],
  [/before.*clos|not closed/i, '议事周还没结束，结束后才能决定。'],
  [/before.*starts|not before/i, '活动还没开始，开始后才能完成。'],
  [/code/i, '签到码不对，请核对后再试。'],
]

export function statusSentence(status: number, detail?: string): string {
  if (status === 0) return '连不上服务器，请检查网络后再试。刚才填写的内容都还在。'
  if (status === 401) return '登录已过期或无效，请重新登录。'
  if (status === 403) return '您的身份不能做这件事。'
  if (status === 404) {
    if (detail && /requested URL/i.test(detail)) return '这项服务暂未开通。' // no such route on this gateway
    if (detail && /code/i.test(detail)) return '签到码不对，请核对后再试。'
    return '没有找到这条记录。'
  }
  if (status === 409) {
    for (const [pattern, chinese] of DETAILS) if (detail && pattern.test(detail)) return chinese
    return '现在的状态不允许这样做。'
  }
  if (status === 400) return '提交的内容格式不对，请重试。'
  if (status === 422) return '有几项填写得不对，请看各项旁边的提示。'
  if (status === 503 || status === 504) return '服务暂时忙不过来，请稍后再试。刚才填写的内容都还在。'
  return '出了点问题，请稍后再试。'
}

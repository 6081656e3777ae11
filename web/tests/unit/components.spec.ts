import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import ActingFor from '../../src/components/ActingFor.vue'
import CheckInCode from '../../src/components/CheckInCode.vue'
import FieldError from '../../src/components/FieldError.vue'
import FormError from '../../src/components/FormError.vue'
import LoadMore from '../../src/components/LoadMore.vue'
import SupportBar from '../../src/components/SupportBar.vue'
import { ApiError } from '../../src/api/http'

describe('SupportBar', () => {
  it('says how many more supports the threshold needs', () => {
    const bar = mount(SupportBar, { props: { supports: 3, threshold: 5 } })
    expect(bar.text()).toBe('已有 3 户支持，门槛 5 户，还差 2 户')
    expect(bar.find('[role="progressbar"]').attributes('aria-valuenow')).toBe('3')
    expect(bar.find('.support-fill').attributes('style')).toContain('width: 60%')
  })
  it('is full and says so at the threshold', () => {
    const bar = mount(SupportBar, { props: { supports: 7, threshold: 5, reached: true } })
    expect(bar.text()).toContain('已达到门槛')
    expect(bar.find('.support-fill').classes()).toContain('reached')
    expect(bar.find('.support-fill').attributes('style')).toContain('width: 100%')
  })
})

describe('CheckInCode', () => {
  it('shows each character on its own and reads them out one by one', () => {
    const code = mount(CheckInCode, { props: { code: 'K7M2QX' } })
    expect(code.findAll('span').map((s) => s.text())).toEqual(['K', '7', 'M', '2', 'Q', 'X'])
    expect(code.attributes('aria-label')).toBe('签到码 K 7 M 2 Q X')
  })
})

describe('ActingFor', () => {
  it('says who acts for whom', () => {
    expect(mount(ActingFor, { props: { actor: '陈网格员', resident: '李大爷' } }).text()).toContain('由 陈网格员 代居民 李大爷 办理')
    expect(mount(ActingFor, { props: { actor: '陈网格员', resident: null } }).text()).toBe('请先选择要代办的居民。')
  })
})

describe('FieldError and FormError', () => {
  it('a field error shows only when there is a message, as an alert', () => {
    expect(mount(FieldError, { props: { message: undefined } }).html()).not.toContain('alert')
    const shown = mount(FieldError, { props: { message: '这一项必须填写。', id: 'name-error' } })
    expect(shown.find('[role="alert"]').text()).toBe('这一项必须填写。')
    expect(shown.find('#name-error').exists()).toBe(true)
  })
  it('a validation problem points to the fields; a state problem says its sentence', () => {
    const invalid = new ApiError({ status: 422, errors: { phone: ['Not a valid mainland phone number.'] } })
    expect(mount(FormError, { props: { error: invalid } }).text()).toContain('请看各项下面的红字提示')
    const conflict = new ApiError({ status: 409, detail: 'the activity is full' })
    expect(mount(FormError, { props: { error: conflict } }).text()).toBe('名额已满。')
  })
})

describe('LoadMore', () => {
  it('offers the next page, then says all are shown', async () => {
    const more = mount(LoadMore, { props: { next: 'c2', loading: false, count: 20 } })
    await more.find('button').trigger('click')
    expect(more.emitted('more')).toHaveLength(1)
    expect(mount(LoadMore, { props: { next: null, loading: false, count: 34 } }).text()).toBe('共 34 条，已全部显示。')
    expect(mount(LoadMore, { props: { next: null, loading: true, count: 0 } }).text()).toContain('正在加载')
    expect(mount(LoadMore, { props: { next: null, loading: false, count: 0 } }).text()).toBe('暂时没有记录。')
  })
})

// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import { useKeepDrops } from '../../renderer/src/composables/use-keep-drops'

/** A page with the fields a drop may land on: a text field, a notes box, a file field. */
const Page = defineComponent({
  setup() {
    useKeepDrops()
    return () =>
      h('main', [
        h('input', { type: 'search', 'data-testid': 'search' }),
        h('textarea', { 'data-testid': 'notes' }),
        h('input', { type: 'file', 'data-testid': 'file' }),
        h('p', { 'data-testid': 'text' }, 'code'),
      ])
  },
})

/** A drag of `types` (`Files`: a file from the desktop) over and onto `target`: taken by the page? */
function drop(target: Element, types: string[]): { dragover: boolean; drop: boolean } {
  const taken = { dragover: false, drop: false }
  for (const type of ['dragover', 'drop'] as const) {
    const event = new Event(type, { bubbles: true, cancelable: true })
    Object.defineProperty(event, 'dataTransfer', { value: { types, dropEffect: 'copy' } })
    target.dispatchEvent(event)
    taken[type] = event.defaultPrevented
  }
  return taken
}

describe('a drop on the kiosk page', () => {
  let wrapper: ReturnType<typeof mount> | null = null
  afterEach(() => wrapper?.unmount())

  it('takes a file anywhere but the file field, so the browser never opens it in its place', () => {
    wrapper = mount(Page, { attachTo: document.body })
    for (const id of ['text', 'search', 'notes']) {
      expect(drop(wrapper.get(`[data-testid="${id}"]`).element, ['Files']), id).toEqual({
        dragover: true,
        drop: true,
      })
    }
    expect(drop(wrapper.get('[data-testid="file"]').element, ['Files'])).toEqual({
      dragover: false,
      drop: false,
    })
  })

  it('lets text dragged into a text field go in, but takes a link dropped elsewhere', () => {
    wrapper = mount(Page, { attachTo: document.body })
    for (const id of ['search', 'notes']) {
      expect(drop(wrapper.get(`[data-testid="${id}"]`).element, ['text/plain']), id).toEqual({
        dragover: false,
        drop: false,
      })
    }
    // A link dropped on the page's text: the browser would go to it, off the kiosk page.
    expect(drop(wrapper.get('[data-testid="text"]').element, ['text/uri-list'])).toEqual({
      dragover: true,
      drop: true,
    })
  })
})

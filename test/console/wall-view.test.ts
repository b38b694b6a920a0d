// @vitest-environment happy-dom
// The wall before it has read the campaign: "–" and 正在连接…, never "0" and waiting for the
// first guest (a stream that cannot open would tell the hall no one has checked in). Only a
// snapshot, or a count from the stream, says how many have; the stream's `campaign` event (a
// rename) says neither.
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { reactive } from 'vue'
import WallView from '../../console/src/screen/WallView.vue'
import { screenTexts } from '../../console/src/screen/screen-text'
import { WallState } from '../../console/src/screen/wall-state'

const t = screenTexts('zh-CN')

function wallOf(wall: WallState) {
  const w = mount(WallView, { props: { wall, t, title: wall.campaign?.name ?? '' } })
  return {
    count: () => w.get('[data-testid="wall-count"]').text(),
    middle: () => w.find('.waiting').text(),
  }
}

describe('the wall before it has read the campaign', () => {
  it('says it is connecting, not 0, until a snapshot or a count from the stream', () => {
    const none = wallOf(reactive(new WallState()))
    expect([none.count(), none.middle()]).toEqual(['–', t.loading])

    // Renamed while its snapshot could not be read: still not known how many checked in.
    const renamed = reactive(new WallState())
    renamed.campaign = { id: 'c1', name: '春季博览会' }
    const r = wallOf(renamed)
    expect([r.count(), r.middle()]).toEqual(['–', t.loading])

    // A snapshot of a campaign nobody has checked in to yet: 0, and waiting for the first guest.
    const read = reactive(new WallState())
    read.applySnapshot({
      campaign: { id: 'c1', name: '春季博览会' },
      count: 0,
      recent: [],
      draw: null,
    })
    const s = wallOf(read)
    expect([s.count(), s.middle()]).toEqual(['0', t.waiting])

    // A count from the stream before any snapshot: it is the campaign's.
    const counted = reactive(new WallState())
    counted.applyCheckins(3, [])
    expect(wallOf(counted).count()).toBe('3')
  })
})

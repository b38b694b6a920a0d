/**
 * In-page source for the big-screen layout tests: every box in the screen's <main> that sticks
 * out of the viewport or out of its parent's box, and every text cut: by an ellipsis, by a
 * line clamp (the same text unclamped, at the same width, is taller), by a box that hides what
 * it cannot hold (overflow other than visible, content larger than the box by more than a
 * font's reach past a tight line-height), or drawn past its own element's box sideways (a word
 * too long for its line). A list of `<what> <class or tag>:<text>`,
 * empty when all fits. Boxes of zero width (hidden) are skipped.
 */
export const SCREEN_BOX_PROBLEMS = `(() => {
  const out = []
  const w = innerWidth, h = innerHeight
  const main = document.querySelector('main')
  const label = (e) => (String(e.className || '') || e.tagName) + ':' + (e.textContent || '').trim().slice(0, 24)
  const inside = (a, b) => a.left >= b.left - 1 && a.top >= b.top - 1 && a.right <= b.right + 1 && a.bottom <= b.bottom + 1
  const screen = { left: 0, top: 0, right: w, bottom: h }
  for (const e of [main, ...main.querySelectorAll('*')]) {
    const r = e.getBoundingClientRect()
    if (r.width === 0) continue
    if (!inside(r, screen)) out.push('outside-screen ' + label(e))
    const parent = e.parentElement
    if (e !== main && parent && parent.getBoundingClientRect().width > 0 && !inside(r, parent.getBoundingClientRect()))
      out.push('outside-parent ' + label(e))
    const s = getComputedStyle(e)
    if (s.textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1) out.push('ellipsis ' + label(e))
    if (s.overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1) out.push('clipped-x ' + label(e))
    // Down, a font's ascent and descent past a tight line-height (CJK fonts' reach 1.45 em) count
    // as overflow, drawn or not: a line lost is more than a third of an em.
    if (s.overflowY !== 'visible' && e.scrollHeight > e.clientHeight + parseFloat(s.fontSize) / 3) out.push('clipped-y ' + label(e))
    if (s.webkitLineClamp !== 'none') {
      const free = e.cloneNode(true)
      free.style.cssText = 'display:block;-webkit-line-clamp:none;position:absolute;visibility:hidden;width:' + r.width + 'px'
      e.parentElement.appendChild(free)
      const cut = free.getBoundingClientRect().height > r.height + 2
      free.remove()
      if (cut) out.push('clamped ' + label(e))
    }
    for (const n of e.childNodes) {
      if (n.nodeType !== 3 || n.data.trim() === '') continue
      const range = document.createRange()
      range.selectNodeContents(n)
      const lines = [...range.getClientRects()].filter((t) => t.width > 0)
      if (s.overflowY !== 'visible' && lines.length > 0) {
        // The glyphs' ink inside the box that clips it: a tight line-height cuts the tops of
        // capitals and the tails of g, y, p. Each line's own characters (by their line's top) are
        // measured with the element's font at 20 times its size, as a canvas at the font's own
        // size rounds the ink to whole pixels (a CJK glyph's top was a pixel off), and set on the
        // line's baseline: its box's top plus the font's ascent (whole pixels, as laid out).
        const ctx = document.createElement('canvas').getContext('2d')
        ctx.font = s.font
        const ascent = ctx.measureText(n.data).fontBoundingBoxAscent
        const big = document.createElement('canvas').getContext('2d')
        big.font = s.fontStyle + ' ' + s.fontWeight + ' ' + parseFloat(s.fontSize) * 20 + 'px ' + s.fontFamily
        const byLine = new Map()
        for (let i = 0; i < n.length; i++) {
          const c = document.createRange()
          c.setStart(n, i)
          c.setEnd(n, i + 1)
          const box = c.getClientRects()[0]
          if (!box || box.width === 0 || n.data[i].trim() === '') continue
          const key = Math.round(box.top * 4)
          byLine.set(key, { top: box.top, text: (byLine.get(key)?.text ?? '') + n.data[i] })
        }
        // Line by line: a line whose ink starts past the box's bottom is hidden (a clamp, reported
        // as such), if by 0.75 px or more: its baseline is rounded to a whole pixel when drawn and
        // its glyphs' edges are smoothed, so a top closer to the clip shows as a sliver under a
        // clamped name's ellipsis (a CJK glyph fills the em: its top is near the line's). One
        // whose ink is partly inside the box is cut, the tails of its g, y, p or that sliver.
        const top = r.top + parseFloat(s.borderTopWidth), bottom = r.bottom - parseFloat(s.borderBottomWidth)
        for (const t of byLine.values()) {
          const m = big.measureText(t.text)
          const inkTop = t.top + ascent - m.actualBoundingBoxAscent / 20
          const inkBottom = t.top + ascent + m.actualBoundingBoxDescent / 20
          if (inkTop >= bottom + 0.75) continue
          if (inkTop < top - 0.5 || inkBottom > bottom + 0.5) { out.push('ink-cut ' + label(e)); break }
        }
      }
      for (const t of lines) {
        // Across only: a line's box is the font's ascent to descent, taller than a tight line.
        if (t.width > 0 && (t.left < r.left - 1 || t.right > r.right + 1)) { out.push('text-past-box ' + label(e)); break }
      }
    }
  }
  return out
})()`

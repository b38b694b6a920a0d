// A name an organizer typed, as part of a download's file name: nothing a file system refuses,
// and nothing that changes how the rest of the name is shown.
import { describe, expect, it } from 'vitest'
import { fitFollowUpBytes } from '../../shared/campaign'
import { filePart } from '../../shared/export/file-name'
import { truncateBytes } from '../../shared/truncate-bytes'

/** A family (man, ZWJ, woman, ZWJ, girl), a flag (two regional indicators), a skin tone. */
const FAMILY = '👨\u200d👩\u200d👧'
const FLAG = '🇨🇳'
const THUMB = '👍🏽'
/** Vietnamese ệ as a Mac may save it: e, dot below, circumflex (three code points). */
const E_NFD = 'e\u0323\u0302'

describe('filePart', () => {
  it('keeps a plain name, Chinese and emoji included', () => {
    expect(filePart(' 春季展会 2026 🎉 ', 'c1')).toBe('春季展会 2026 🎉')
  })

  it('replaces what Windows refuses and controls, C1 ones included', () => {
    expect(filePart('a/b\\c:d*e?f"g<h>i|j', 'c1')).toBe('a_b_c_d_e_f_g_h_i_j')
    expect(filePart('a\tb\u007fc\u0085d\u009fe', 'c1')).toBe('a_b_c_d_e')
  })

  it('replaces direction controls: a prize name cannot show the file’s end reversed', () => {
    // `一等奖\u202Exslx.exe` would show as `一等奖exe.xlsx…` in a download bar.
    for (const control of [
      '\u200e',
      '\u200f',
      '\u061c',
      '\u202a',
      '\u202b',
      '\u202c',
      '\u202d',
      '\u202e',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
    ]) {
      const part = filePart(`一等奖${control}xslx.exe`, 'p')
      expect(part, escape(control)).toBe('一等奖_xslx.exe')
    }
  })

  it('keeps 60 characters and 180 bytes of UTF-8: the whole name fits 255 bytes on Linux and macOS', () => {
    expect(filePart('春'.repeat(80), 'c1')).toBe('春'.repeat(60))
    expect(filePart('a'.repeat(80), 'c1')).toBe('a'.repeat(60))
    expect(filePart('🎉'.repeat(80), 'c1')).toBe('🎉'.repeat(45))
    // Cut between code points, never inside a surrogate pair.
    expect(filePart(`${'春'.repeat(59)}🎉`, 'c1')).toBe('春'.repeat(59))
  })

  it('cuts between characters as people see them: never part of an emoji family, a flag or a stacked accent', () => {
    // At the 60 code points: the family's man and a joiner, a flag's first letter (drawn as a
    // boxed "C"), an e without its marks were left at the end.
    expect(filePart(`${'a'.repeat(58)}${FAMILY}`, 'c1')).toBe('a'.repeat(58))
    expect(filePart(`${'a'.repeat(59)}${FLAG}`, 'c1')).toBe('a'.repeat(59))
    expect(filePart(`${'a'.repeat(59)}${E_NFD}`, 'c1')).toBe('a'.repeat(59))
    // At the 180 bytes: a thumb kept without its skin tone is another emoji.
    expect(filePart(`${'春'.repeat(58)}${THUMB}`, 'c1')).toBe('春'.repeat(58))
    // Whole ones that fit stay.
    expect(filePart(`${'a'.repeat(50)}${FAMILY}`, 'c1')).toBe(`${'a'.repeat(50)}${FAMILY}`)
  })

  it('falls back when nothing is left', () => {
    expect(filePart(' .. ', 'c1')).toBe('c1')
  })
})

describe('truncateBytes', () => {
  it('keeps the whole characters as people see them that fit', () => {
    const bytes = (t: string) => new TextEncoder().encode(t).length
    expect(truncateBytes(`ab${FAMILY}`, bytes(`ab${FAMILY}`))).toBe(`ab${FAMILY}`)
    expect(truncateBytes(`ab${FAMILY}`, bytes(`ab${FAMILY}`) - 1)).toBe('ab')
    expect(truncateBytes(`ab${FLAG}`, 6)).toBe('ab')
    expect(truncateBytes(`ab${THUMB}`, 6)).toBe('ab')
    expect(truncateBytes(`Nguy${E_NFD}n`, 5)).toBe('Nguy')
    expect(truncateBytes('𠮷野家', 7)).toBe('𠮷野')
  })

  it('a first character as people see it longer than the limit keeps its whole code points that fit, not nothing', () => {
    // "Zalgo" text: one letter under hundreds of stacked marks (2 bytes each) is one grapheme cluster.
    const zalgo = `Z${'\u0336'.repeat(300)}algo`
    expect(truncateBytes(zalgo, 9)).toBe(`Z${'\u0336'.repeat(4)}`)
    expect(truncateBytes(zalgo, 100, 3)).toBe(`Z${'\u0336'.repeat(2)}`)
    expect(truncateBytes(`ab${zalgo}`, 9)).toBe('ab')
    // Its callers: a file name keeps the letter (not the campaign's id), a follow-up is not "…".
    expect(filePart(zalgo, 'c1')).toBe(`Z${'\u0336'.repeat(59)}`)
    const followUp = fitFollowUpBytes(`Z${'\u0336'.repeat(1100)}algo`)
    expect(followUp).toBe(`Z${'\u0336'.repeat(1022)}…`)
  })
})

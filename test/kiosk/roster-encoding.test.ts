// Roster CSV encodings: UTF-8 (with or without BOM), UTF-16 LE/BE with a BOM and GBK/GB18030
// are read; Big5 (which decodes as "valid" GBK garbage), BOM-less UTF-16 and anything else are
// refused with a code the admin area translates, and nothing is imported.
import { describe, expect, it } from 'vitest'
import { parseRosterFile } from '../../shared/roster/roster-import'
import { decodeRoster } from '../../shared/roster/roster-encoding'

const ROSTER = '姓名,公司,手机号\n张三,华为,13800138000\nAda,Engines,+44 20 7946 0000\n'

const names = async (data: Buffer) => {
  const r = await parseRosterFile('csv', data)
  expect(r.errors).toEqual([])
  return r.rows.map((x) => x.name)
}

/** Big5 byte pairs of a few traditional characters, from the Big5 table (checked below). */
const BIG5: Record<string, [number, number]> = {
  姓: [0xa9, 0x6d],
  名: [0xa6, 0x57],
  公: [0xa4, 0xbd],
  司: [0xa5, 0x71],
  電: [0xb9, 0x71],
  話: [0xb8, 0xdc],
  陳: [0xb3, 0xaf],
  大: [0xa4, 0x6a],
  文: [0xa4, 0xe5],
  台: [0xa5, 0x78],
  灣: [0xc6, 0x57],
  積: [0xbf, 0x6e],
  體: [0xc5, 0xe9],
  路: [0xb8, 0xf4],
  林: [0xaa, 0x4c],
  美: [0xac, 0xfc],
  玲: [0xac, 0xc2],
  鴻: [0xc2, 0x45],
  海: [0xae, 0xfc],
  精: [0xba, 0xeb],
  密: [0xb1, 0x4b],
  張: [0xb1, 0x69],
  三: [0xa4, 0x54],
}

/** GB18030 byte pairs (Node has decoders only; checked against its decoder). */
const GBK: Record<string, [number, number]> = {
  姓: [0xd0, 0xd5],
  名: [0xc3, 0xfb],
  公: [0xb9, 0xab],
  司: [0xcb, 0xbe],
  张: [0xd5, 0xc5],
  三: [0xc8, 0xfd],
  喆: [0x86, 0xb4], // outside GB2312: a rare character some names have
  华: [0xbb, 0xaa],
  为: [0xce, 0xaa],
}

function encode(table: Record<string, [number, number]>, text: string): Buffer {
  const out: number[] = []
  for (const ch of text) {
    const pair = table[ch]
    if (pair) out.push(...pair)
    else if (ch.charCodeAt(0) < 0x80) out.push(ch.charCodeAt(0))
    else throw new Error(`no test bytes for ${ch}`)
  }
  return Buffer.from(out)
}

const big5Roster = encode(
  BIG5,
  '姓名,公司,電話\n陳大文,台灣積體電路,0912345678\n林美玲,鴻海精密,0922333444\n張三,大文,0933\n',
)

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le')
  for (let i = 0; i + 1 < le.length; i += 2) {
    const b = le[i] as number
    le[i] = le[i + 1] as number
    le[i + 1] = b
  }
  return le
}

describe('roster CSV encodings', () => {
  it('the byte tables are right', () => {
    const big5Text = [...Object.keys(BIG5)].join('')
    expect(new TextDecoder('big5').decode(encode(BIG5, big5Text))).toBe(big5Text)
    const gbText = [...Object.keys(GBK)].join('')
    expect(new TextDecoder('gb18030').decode(encode(GBK, gbText))).toBe(gbText)
  })

  it('reads UTF-8 with and without a BOM', async () => {
    expect(await names(Buffer.from(ROSTER))).toEqual(['张三', 'Ada'])
    expect(await names(Buffer.from(`\uFEFF${ROSTER}`))).toEqual(['张三', 'Ada'])
    expect(decodeRoster(Buffer.from(`\uFEFF${ROSTER}`)).encoding).toBe('utf-8')
  })

  it('reads UTF-16 LE and BE with a BOM, comma- or tab-separated (Excel "Unicode Text")', async () => {
    const le = Buffer.from(`\uFEFF${ROSTER}`, 'utf16le')
    expect(le.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xfe]))
    expect(await names(le)).toEqual(['张三', 'Ada'])
    const be = utf16be(`\uFEFF${ROSTER}`)
    expect(be.subarray(0, 2)).toEqual(Buffer.from([0xfe, 0xff]))
    expect(await names(be)).toEqual(['张三', 'Ada'])
    const tabs = Buffer.from(`\uFEFF${ROSTER.replaceAll(',', '\t')}`, 'utf16le')
    const r = await parseRosterFile('csv', tabs)
    expect(r.rows[1]).toMatchObject({ name: 'Ada', company: 'Engines' })
  })

  it('reads GBK, including a name with a character outside GB2312', async () => {
    const gb = encode(GBK, '姓名,公司\n张三,华为\n张喆,华为\n')
    expect(decodeRoster(gb).encoding).toBe('gb18030')
    expect(await names(gb)).toEqual(['张三', '张喆'])
  })

  it('refuses Big5, which decodes as valid GB18030, naming the problem', async () => {
    expect(() => new TextDecoder('gb18030', { fatal: true }).decode(big5Roster)).not.toThrow()
    const r = await parseRosterFile('csv', big5Roster)
    expect(r).toMatchObject({ fatal: true, rows: [] })
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toMatchObject({
      row: 1,
      column: null,
      code: 'encoding_big5',
      params: { encoding: 'Big5' },
    })
    expect(r.errors[0]?.message).toMatch(/Big5.*CSV UTF-8/)
    // Even a one-name Big5 file with an English header.
    const one = await parseRosterFile('csv', encode(BIG5, 'name\n陳大文\n'))
    expect(one.errors[0]?.code).toBe('encoding_big5')
  })

  it('refuses UTF-16 without a BOM, UTF-32, invalid bytes after a BOM, and other encodings', async () => {
    const code = async (data: Buffer) => (await parseRosterFile('csv', data)).errors[0]?.code
    expect(await code(Buffer.from(ROSTER, 'utf16le'))).toBe('encoding_utf16_no_bom')
    expect(await code(Buffer.from([0xff, 0xfe, 0, 0, 0x6e, 0, 0, 0]))).toBe('encoding_unsupported')
    const brokenUtf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name\n\xff')])
    brokenUtf8[brokenUtf8.length - 1] = 0xff
    expect(await code(brokenUtf8)).toBe('encoding_invalid')
    // Windows-1252: "José,Müller" is neither UTF-8, GBK nor Big5.
    const latin1 = Buffer.from('name,company\nJos\xe9,M\xfcller\n', 'latin1')
    expect(await code(latin1)).toBe('encoding_unsupported')
    expect(await code(Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0x00, 0x01, 0x02]))).toBe(
      'encoding_unsupported',
    )
  })
})

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFileLogger } from '../../electron/main/log'
import { redactText, redactValue } from '../../shared/server/redact'

const APP_SECRET = '0123456789abcdef0123456789abcdef'
const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o'
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'
const RELAY_TOKEN = 'rt_Zk3lQ9x-2mPq'

describe('redaction', () => {
  it('scrubs secrets and openids out of free text', () => {
    const lines = [
      `GET /cgi-bin/token?grant_type=client_credential&appid=wx1&secret=${APP_SECRET}`,
      `POST /cgi-bin/qrcode/create?access_token=${RELAY_TOKEN}x`,
      `Authorization: Bearer ${RELAY_TOKEN}`,
      `{"appSecret":"${APP_SECRET}"}`,
      `scan from ${OPENID} accepted`,
      `encodingAESKey=${AES_KEY}`,
      `pin: 123456`,
    ]
    const out = lines.map(redactText).join('\n')
    for (const secret of [APP_SECRET, RELAY_TOKEN, OPENID, AES_KEY, '123456']) {
      expect(out).not.toContain(secret)
    }
    // What is not secret stays readable.
    expect(out).toContain('/cgi-bin/token')
    expect(out).toContain('accepted')
  })

  it('replaces secret-named fields in structured details, at any depth', () => {
    const out = JSON.stringify(
      redactValue({
        kioskId: 'booth-1',
        settings: { appSecret: 'short', relayToken: 'also-short', newPin: '4321' },
        scans: [{ openid: 'o-short', scene: 'booth-1:ab' }],
        error: new Error(`bad secret=${APP_SECRET}`),
      }),
    )
    for (const secret of ['short', 'also-short', '4321', 'o-short', APP_SECRET]) {
      expect(out).not.toContain(`"${secret}"`)
      expect(out).not.toContain(APP_SECRET)
    }
    expect(out).toContain('booth-1:ab')
    expect(out).toContain('"kioskId":"booth-1"')
  })
})

describe('file logger', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scandesk-log-'))
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('writes redacted lines', () => {
    const log = createFileLogger({ dir, now: () => Date.UTC(2025, 0, 2, 3, 4, 5) })
    log.info(`token refresh with secret=${APP_SECRET}`, { relayToken: RELAY_TOKEN, seq: 7 })
    log.debug('not at info level')
    const text = readFileSync(join(dir, 'main.log'), 'utf8')
    expect(text).toContain('2025-01-02T03:04:05.000Z INFO  token refresh')
    expect(text).toContain('"seq":7')
    expect(text).not.toContain(APP_SECRET)
    expect(text).not.toContain(RELAY_TOKEN)
    expect(text).not.toContain('not at info level')
  })

  it('keeps every openid, kiosk token, screen key and phone out of the file, and what tells booths apart in', () => {
    // Openids are base64url: some end in "-", or follow a "_" ("visitor_o…"); kiosk tokens
    // (`<kioskId>.<43 base64url>`), screen keys and the web bridge's key hold "-" and "_" too, so
    // neither the openid rule nor the 32-letters-and-digits one saw them.
    const openidDash = 'oLVPpjqs9BhvzwPj5A-vTYAX3GL-'
    const openidAfter = 'oLVPpjqs9BhvzwPj5A-vTYAX3GLc'
    const kioskSecret = 'Ab3_xY9-kLm2NoPq_rStUvWx-yZ012345678_9aBcDe'
    const screenKey = 'Zk3lQ9x-2mPq_Zk3lQ9x'
    const phone = '13800138000'
    const log = createFileLogger({ dir })
    log.warn(`scan from ${openidDash} not greeted; visitor_${openidAfter} erased`)
    log.warn(`settings {"relayToken":"booth-7.${kioskSecret}"}`, { token: 'x' })
    log.warn(`relay token booth-7.${kioskSecret} refused`)
    log.warn(`frame failed: /screen/c1/wall?key=${screenKey}`, { screenKey, key: screenKey })
    log.info(`desk: bound ${phone}`, { phone, campaignId: 'spring-2026', kioskId: 'booth-7' })
    const text = readFileSync(join(dir, 'main.log'), 'utf8')
    for (const secret of [openidDash, openidAfter, kioskSecret, screenKey, phone]) {
      expect(text).not.toContain(secret)
    }
    // Still a log to diagnose from: which booth, which campaign, what happened.
    expect(text).toContain('booth-7.[redacted]')
    expect(text).toContain('/screen/c1/wall?key=[redacted]')
    expect(text).toContain('"campaignId":"spring-2026"')
    expect(text).toContain('"kioskId":"booth-7"')
    expect(text).toContain('not greeted')
  })

  it('masks a phone written with the country code or in groups, as a roster holds it', () => {
    // Roster phones are kept as typed (shared/roster/search-key.ts folds +86, dashes, spaces).
    const phones = ['+8613800138000', '8613800138000', '+86 138-0013-8000', '138 0013 8000']
    const out = phones.map((p) => redactText(`desk: bound ${p}`))
    expect(out).toEqual(phones.map(() => 'desk: bound 1**********'))
  })

  it('masks a phone given as a number, under any key, not only a string', () => {
    // A roster row or a form a script logged as JSON numbers: `{"tel": 13800138000}`.
    expect(
      redactValue({ tel: 13800138000, contact: 8613800138000, row: { mobileNo: 13900000000 } }),
    ).toEqual({ tel: '[redacted]', contact: '1**********', row: { mobileNo: '[redacted]' } })
    // Numbers that are not phones stay: a time in ms (13 digits), counts, a seq, a hotel.
    const kept = { at: 1733550000000, total: 20000, seq: 13800, hotel: '如家', n: 10012345678 }
    expect(redactValue(kept)).toEqual(kept)
  })

  it('keeps file names, while an openid or a secret in the same line goes', () => {
    const names = [
      'exported overview-of-booth-statistics.csv',
      'wrote ShanghaiAutumnExpo2026VIPGuestList.xlsx',
      'read C:\\Users\\staff\\Desktop\\overview-of-booth-statistics.xlsx',
      'a 13-digit time 1733550000000 and the order 20261207153012',
    ]
    expect(names.map(redactText)).toEqual(names)
    // Not a file name: the same runs alone, or a phone in a file name.
    expect(redactText(`bound ${OPENID} at booth-1`)).toBe('bound o*** at booth-1')
    expect(redactText(`${OPENID}.`)).toBe('o***.')
    expect(redactText('名单-13800138000.csv')).toBe('名单-1**********.csv')
    // An openid is mixed case: followed by an extension it is a file named after a visitor
    // (their QR, their export), or a sentence's next word, never a file of ours.
    for (const ext of ['.csv', '.png', '.json', '.log', '.JSON', '.csv.bak', '.csv_1']) {
      expect(redactText(`saved ${OPENID}${ext}`)).toBe(`saved o***${ext}`)
    }
    const secret = '0123456789abcdef0123456789abcdef'
    expect(redactText(`appsecret ${secret} read`)).toBe('appsecret [redacted] read')
    // A run of hex only, as long as an AppSecret (32) or a SHA-1 or SHA-256 digest (40, 64), is
    // no file stem anyone types: masked before an extension too (a secret pasted into a file
    // name, or a sentence's next word).
    const digests = [secret, 'da39a3ee5e6b4b0d3255bfef95601890afd80709', secret.repeat(2)]
    for (const hex of [...digests, secret.toUpperCase()])
      for (const ext of ['.txt', '.csv', '.JSON'])
        expect(redactText(`saved ${hex}${ext}`)).toBe(`saved [redacted]${ext}`)
  })

  it('leaves the digits inside an event id alone', () => {
    // ev_ + 32 hex: a run of 11 digits starting 13–19 comes up in about one id in 800.
    const lines = [
      'greeting scan ev_a13800138000f23456789abcdef01234 failed',
      'greeting scan ev_13800138000f23456789abcdef012345 failed',
    ]
    expect(lines.map(redactText)).toEqual(lines)
  })

  it('keeps a long campaign id in a campaignId field, as DEPLOY says the log does', () => {
    // Organizers pick campaign ids (1–64 of A-Z a-z 0-9 _ -): upper, lower and digits in 32 or
    // more, which the long-random rule alone would take for a token.
    const campaignId = 'Spring2026_Shanghai_Expo_MainHall'
    const oneWord = 'SpringExpo2026ShanghaiMainHallDay1'
    expect(
      redactValue({ campaignId, kioskId: 'booth-7', seq: 3, c: { campaignId: oneWord } }),
    ).toEqual({
      campaignId,
      c: { campaignId: oneWord },
      kioskId: 'booth-7',
      seq: 3,
    })
    // Only an id: anything else there is scrubbed as before.
    expect(redactValue({ campaignId: `x ${OPENID}` })).toEqual({ campaignId: 'x o***' })
  })

  it('leaves ids, event ids and long plain words readable', () => {
    const lines = [
      'greeting scan ev_0123456789abcdef0123456789abcdef failed',
      'scandesk_relay_follow_up_overdue_seconds rose',
      'export 3f2a failed after 12345 ms, 1 300 rows',
    ]
    expect(lines.map(redactText)).toEqual(lines)
  })

  it('rotates by size and keeps a bounded number of files', () => {
    const log = createFileLogger({ dir, maxBytes: 400, maxFiles: 2 })
    for (let i = 0; i < 60; i++) log.info(`line ${String(i).padStart(3, '0')} ${'x'.repeat(40)}`)
    const files = readdirSync(dir).sort()
    expect(files).toEqual(['main.log', 'main.log.1', 'main.log.2'])
    for (const file of files) {
      expect(readFileSync(join(dir, file)).length).toBeLessThanOrEqual(400)
    }
    // Newest in main.log, the one before in .1; the oldest lines are gone.
    expect(readFileSync(join(dir, 'main.log'), 'utf8')).toContain('line 059')
    const all = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('')
    expect(all).not.toContain('line 000')
    expect(existsSync(join(dir, 'main.log.3'))).toBe(false)
  })

  it('a rotation cut short (the plug pulled after main.log was moved aside) loses no file later', () => {
    // What a power cut leaves between rotate's first rename and its shift of the older files.
    writeFileSync(join(dir, 'main.log.0'), 'the log up to the power cut\n')
    writeFileSync(join(dir, 'main.log.1'), 'the one before\n')
    const log = createFileLogger({ dir, maxBytes: 400, maxFiles: 3 })
    const line = (i: number): string => `line ${String(i).padStart(3, '0')} ${'word '.repeat(10)}`
    // Enough for one rotation after the restart.
    for (let i = 0; i < 7; i++) log.info(line(i))
    const read = (name: string): string => readFileSync(join(dir, name), 'utf8')
    expect(readdirSync(dir).sort()).toEqual(['main.log', 'main.log.1', 'main.log.2', 'main.log.3'])
    expect(read('main.log')).toContain('line 006')
    expect(read('main.log.1')).toContain('line 000')
    expect(read('main.log.2')).toBe('the log up to the power cut\n')
    expect(read('main.log.3')).toBe('the one before\n')
  })

  it('continues an existing file after a restart', () => {
    createFileLogger({ dir }).info('first run')
    createFileLogger({ dir }).info('second run')
    const text = readFileSync(join(dir, 'main.log'), 'utf8')
    expect(text).toMatch(/first run[\s\S]*second run/)
  })
})

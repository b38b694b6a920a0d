/**
 * Metric 1: our push pipeline (verify + decrypt + parse + de-duplicate + reply) on identical
 * pre-signed pushes, one thread, so pushes/s here is pushes/s per core. No HTTP: the peers'
 * numbers (when installed) are taken the same way, on the same inputs.
 */
import { randomBytes } from 'node:crypto'
import {
  WechatCipher,
  buildEncryptedReply,
  buildTextReply,
  dedupKey,
  msgSignature,
  parseEnvelope,
  parsePushXml,
  plainSignature,
  verifyMsgSignature,
  verifyPlainSignature,
} from '../shared/wechat'
import { ReplayGuard } from '../relay/replay-guard'
import type { Results } from './result'
import { round } from './result'

const TOKEN = 'benchToken123'
const APP_ID = 'wxbench0000000001'
const AES_KEY = randomBytes(32).toString('base64').slice(0, 43)
const PEERS = ['node-easywechat', 'wechat'] as const

interface Push {
  q: Record<string, string>
  body: Buffer
}

function scanXml(i: number, ts: number): string {
  return (
    `<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>` +
    `<FromUserName><![CDATA[o-bench-${i % 1000}]]></FromUserName>` +
    `<CreateTime>${ts}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[k1:${i}]]></EventKey>` +
    `<Ticket><![CDATA[tk-${i}]]></Ticket></xml>`
  )
}

function makePushes(n: number, safe: boolean, cipher: WechatCipher): Push[] {
  const ts = String(Math.floor(Date.now() / 1000))
  const out: Push[] = []
  for (let i = 0; i < n; i++) {
    const nonce = String(1_000_000 + i)
    const xml = scanXml(i, Number(ts))
    if (!safe) {
      out.push({
        q: { signature: plainSignature(TOKEN, ts, nonce), timestamp: ts, nonce },
        body: Buffer.from(xml),
      })
      continue
    }
    const encrypt = cipher.encrypt(xml)
    const q = {
      signature: plainSignature(TOKEN, ts, nonce),
      timestamp: ts,
      nonce,
      encrypt_type: 'aes',
      msg_signature: msgSignature(TOKEN, ts, nonce, encrypt),
    }
    out.push({
      q,
      body: Buffer.from(
        `<xml><ToUserName>gh_bench</ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
      ),
    })
  }
  return out
}

/** The relay's per-push work minus HTTP and storage (push-endpoint.ts, same functions). */
function ourPipeline(safe: boolean, cipher: WechatCipher) {
  const seen = new Set<string>()
  const replays = new ReplayGuard(300_000)
  return (p: Push): string => {
    if (!verifyPlainSignature(TOKEN, p.q)) throw new Error('bad signature')
    let xml: string | Buffer = p.body
    if (safe) {
      const { encrypt } = parseEnvelope(p.body)
      if (encrypt === undefined || !verifyMsgSignature(TOKEN, p.q, encrypt)) throw new Error('bad')
      xml = cipher.decrypt(encrypt)
    } else if (
      !replays.check(`${p.q.timestamp}/${p.q.nonce}/${p.q.signature}`, p.body, Date.now())
    ) {
      throw new Error('replayed')
    }
    const e = parsePushXml(xml)
    if (e.kind !== 'scan') throw new Error(`unexpected ${e.kind}`)
    const key = dedupKey(e)
    if (seen.has(key)) return 'success'
    seen.add(key)
    const now = Math.floor(Date.now() / 1000)
    const reply = buildTextReply({
      toUser: e.openid,
      fromUser: e.toUser,
      content: 'Welcome',
      createTime: now,
    })
    if (!safe) return reply
    return buildEncryptedReply({
      cipher,
      token: TOKEN,
      replyXml: reply,
      timestamp: now,
      nonce: '12345',
    })
  }
}

function measure(fn: (p: Push) => string, pushes: Push[], budgetMs: number): number {
  // Warm-up so the JIT has compiled the pipeline before the clock starts.
  for (let i = 0; i < Math.min(2000, pushes.length); i++) fn(pushes[i]!)
  let done = 0
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(budgetMs) * 1_000_000n
  while (process.hrtime.bigint() < deadline && done < 10_000_000) {
    for (let i = 0; i < 500; i++) fn(pushes[(done + i) % pushes.length]!)
    done += 500
  }
  const s = Number(process.hrtime.bigint() - start) / 1e9
  return done / s
}

async function peerInstalled(name: string): Promise<boolean> {
  try {
    await import(name)
    return true
  } catch {
    return false
  }
}

export async function benchPushCost(quick: boolean): Promise<Results> {
  const cipher = new WechatCipher({ encodingAESKey: AES_KEY, appId: APP_ID })
  const budget = quick ? 1500 : 5000
  const results: Results = {}
  const peerNote: Record<string, boolean> = {}
  for (const p of PEERS) peerNote[p] = await peerInstalled(p)
  for (const mode of ['plain', 'safe'] as const) {
    const safe = mode === 'safe'
    // Distinct pushes (distinct dedup keys) so de-duplication is exercised, not short-cut.
    const pushes = makePushes(quick ? 20_000 : 100_000, safe, cipher)
    const rate = measure(ourPipeline(safe, cipher), pushes, budget)
    results[`push.${mode}.ours`] = {
      value: round(rate, 0),
      unit: 'pushes/s/core',
      compare: { against: 'fastest peer', ratio: null },
      goal: '>= 3x fastest peer',
      note: 'peers not measured: devDependency not installed',
    }
    for (const p of PEERS) {
      results[`push.${mode}.${p}`] = {
        value: null,
        unit: 'pushes/s/core',
        note: peerNote[p]
          ? 'installed but adapter not written yet'
          : 'not measured: devDependency not installed',
      }
    }
  }
  return results
}

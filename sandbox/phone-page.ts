// A one-file page at / that plays the visitor's phone: pick a recent code (or paste a url),
// pick or type an openid, scan, and see what WeChat would show. Data is written with
// textContent only, so scenes and replies cannot inject markup.

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.4 system-ui,sans-serif;background:#e9ecef;
display:flex;justify-content:center;padding:24px}
.phone{width:380px;background:#ededed;border:10px solid #222;border-radius:36px;overflow:hidden;
box-shadow:0 8px 30px #0004}
header{background:#2e2e2e;color:#fff;padding:12px 16px;font-weight:600}
section{padding:12px 16px;border-bottom:1px solid #ddd;background:#fff}
label{display:block;font-size:12px;color:#666;margin:6px 0 2px}
input{width:100%;padding:8px;border:1px solid #ccc;border-radius:6px;font:inherit}
.row{display:flex;gap:8px;margin-top:10px}button{flex:1;padding:10px;border:0;border-radius:6px;
font:inherit;cursor:pointer;background:#07c160;color:#fff}button.alt{background:#888}
#codes{display:flex;gap:8px;overflow-x:auto;padding-bottom:4px}
.code{flex:0 0 auto;width:88px;text-align:center;font-size:11px;border:2px solid transparent;
border-radius:6px;padding:2px;cursor:pointer;background:#fafafa;word-break:break-all}
.code.sel{border-color:#07c160}.code img{width:80px;height:80px;display:block}
#chat{min-height:160px;padding:12px 16px}
.bubble{background:#fff;border-radius:6px;padding:8px 10px;margin:6px 0;max-width:85%;
white-space:pre-wrap}.sys{color:#888;font-size:12px;text-align:center;margin:6px 0}
.err{background:#fde2e1;color:#a8071a}
`

const SCRIPT = `
const $ = (id) => document.getElementById(id)
let selected = ''
function randomOpenid() {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'
  let s = 'o'
  for (let i = 0; i < 27; i++) s += a[Math.floor(Math.random() * a.length)]
  return s
}
function line(text, cls, group) {
  const d = document.createElement('div')
  d.className = cls
  d.textContent = text
  if (group) group.append(d)
  else $('chat').prepend(d)
}
async function loadCodes() {
  try {
    const { tickets } = await (await fetch('/sandbox/tickets')).json()
    const box = $('codes')
    box.replaceChildren()
    if (tickets.length === 0) box.textContent = 'No codes yet: create one with qrcode/create.'
    for (const t of tickets) {
      const el = document.createElement('div')
      el.className = 'code' + (t.url === selected ? ' sel' : '')
      const img = document.createElement('img')
      img.alt = t.url
      img.src = '/cgi-bin/showqrcode?ticket=' + encodeURIComponent(t.ticket)
      const cap = document.createElement('div')
      const left = t.expiresAt === null ? 'permanent' : Math.max(0, Math.round((t.expiresAt - Date.now()) / 1000)) + ' s'
      cap.textContent = String(t.scene) + ' · ' + left
      el.append(img, cap)
      el.onclick = () => { selected = t.url; $('url').value = t.url; loadCodes() }
      box.append(el)
    }
    const { followers } = await (await fetch('/sandbox/followers')).json()
    const list = $('known')
    list.replaceChildren(...followers.map((f) => Object.assign(document.createElement('option'), { value: f })))
  } catch (e) { line('sandbox unreachable: ' + e.message, 'sys') }
}
async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, data: await res.json() }
}
function show(r, verb) {
  if (r.status !== 200) return line(verb + ': ' + (r.data.error || r.status), 'sys')
  const g = document.createElement('div')
  const tries = r.data.attempts.map((a) => (a.status === null ? 'no answer' : a.status) + ' in ' + a.ms + ' ms').join(', ')
  line(r.data.event + ' pushed' + (tries ? ' (' + tries + ')' : ' (no push URL)'), 'sys', g)
  const v = r.data.reply
  if (v.kind === 'text') line(v.visitorSees, 'bubble', g)
  else if (v.kind === 'error') line(v.visitorSees + '\\n' + v.detail, 'bubble err', g)
  else line('(no reply)', 'sys', g)
  $('chat').prepend(g)
}
$('scan').onclick = async () => {
  const url = $('url').value.trim(), openid = $('openid').value.trim()
  if (!url || !openid) return line('pick a code and an openid first', 'sys')
  show(await post('/sandbox/scan', { url, openid }), 'scan'); loadCodes()
}
$('unfollow').onclick = async () => {
  show(await post('/sandbox/unsubscribe', { openid: $('openid').value.trim() }), 'unfollow'); loadCodes()
}
// Customer-service messages arrive after the passive reply, as WeChat shows them.
let seenMessages = 0
async function loadMessages() {
  try {
    const messages = await (await fetch('/sandbox/messages')).json()
    const openid = $('openid').value.trim()
    for (const m of messages.slice(seenMessages)) {
      if (m.openid === openid) line(m.text, 'bubble')
    }
    seenMessages = messages.length
  } catch (e) { /* shown by loadCodes */ }
}
$('newid').onclick = () => { $('openid').value = randomOpenid() }
$('openid').value = randomOpenid()
loadCodes()
setInterval(loadCodes, 3000)
loadMessages().then(() => setInterval(loadMessages, 1000))
`

export function renderPhonePage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>ScanDesk WeChat sandbox · phone</title><style>${STYLE}</style></head>
<body><div class="phone">
<header>WeChat sandbox · 扫一扫</header>
<section><label>Recent codes (tap to pick)</label><div id="codes"></div>
<label for="url">QR code url</label><input id="url" placeholder="http://weixin.qq.com/q/…">
<label for="openid">Visitor openid</label><input id="openid" list="known" autocomplete="off">
<datalist id="known"></datalist>
<div class="row"><button id="scan">Scan</button><button id="newid" class="alt">New visitor</button>
<button id="unfollow" class="alt">Unfollow</button></div></section>
<div id="chat"></div>
</div><script>${SCRIPT}</script></body></html>`
}

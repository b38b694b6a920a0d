/**
 * Chinese (simplified): the first language of the kiosk. The English file mirrors these keys;
 * its type is checked against this one. Avoid `|` and `@` in messages (vue-i18n syntax).
 * Name things as docs/GLOSSARY.md does (签到台, 访客, 来宾, 签到号, 首次到访, 新关注, 管理 PIN 码 …):
 * the same words as the console and the exported sheets (test/repo/glossary.test.ts).
 */
import { dateMessages } from '../../../shared/ui/date-messages'
import { rosterFileMessages, rosterProblemMessages } from '../../../shared/ui/roster-messages'
export const zhCN = {
  app: { name: 'ScanDesk 扫码签到' },
  kiosk: {
    instruction: '微信扫一扫 签到',
    forGuest: '{name}，请扫码签到',
    preparing: '正在准备新的二维码…',
    connecting: '正在连接签到服务…',
    notConfigured: '签到台尚未设置',
    notConfiguredHint: '请工作人员进入管理界面完成设置',
    noCampaign: '尚未设置活动',
    noCampaignHint: '请工作人员在管理界面创建或选择活动，随后这里会显示签到二维码',
    noCampaignHintConsole:
      '请主办方在活动控制台中为本签到台指定活动（或由工作人员在管理界面创建活动），随后这里会显示签到二维码',
    deskWaiting: '请到前台签到',
    deskWaitingHint: '工作人员找到您的名字后，您的签到二维码会显示在这里',
    /** 中继不再接受本签到台（令牌被撤销或被拒）：扫码到不了这里，不显示二维码。 */
    paused: '签到暂停',
    pausedHint: '请联系现场工作人员为您签到',
    secondsLeft: '{n} 秒',
    ringLabel: '二维码 {n} 秒后更新',
    demo: '演示模式',
    defaultTitle: '欢迎签到',
    fallback: '备用码',
    fallbackLabel: '备用二维码：暂时无法生成新码，扫码照常签到',
  },
  greeting: {
    number: '第 {n} 位签到',
    kind: { named: '签到成功', 'first-visit': '首次到访', 'welcome-back': '欢迎回来' },
  },
  status: {
    relay: {
      connected: '中继已连接',
      connecting: '正在连接中继',
      reconnecting: '中继重连中',
      reconnectingIn: '中继重连中（{s} 秒后重试）',
      catchingUp: '同步中：还有 {n} 条',
      rosterArriving: '名单同步中 {percent}%',
      disabled: '中继未启用',
    },
    api: {
      ok: '{source}正常',
      degraded: '{source}不稳定',
      down: '{source}无法访问',
      unknown: '{source}状态未知',
      /** 尚无活动：还没取过码，状态无从得知（不是故障）。 */
      idle: '{source}待用：指定活动后开始取码',
    },
    source: { direct: '微信接口', proxy: '中继代理' },
    /** 中继连接的故障（简短，代替连接状态；诊断页说明如何处理）。 */
    link: {
      store_failed: '签到台无法保存扫码（磁盘已满？）',
      link_refused: '中继地址有误（HTTP {status}）',
      network_sign_in: '此 Wi-Fi 需要在浏览器里登录',
      tls_untrusted: '中继的证书不受信任：Wi-Fi 需要登录？',
      proxy_refused: '网络代理拒绝连接中继（HTTP {status}）',
      proxy_invalid: '本机的代理设置 {setting} 无效',
      unauthorized: '中继拒绝了此签到台的令牌',
      forbidden: '中继拒绝了此签到台编号',
      revoked: '此签到台的令牌已被撤销',
      identity_conflict: '另一台设备在使用本签到台的身份',
    },
    proxyDisabled: '中继未设置公众号',
    proxyNotAllowed: '中继不为本台生成二维码',
    /** 本机时钟与中继相差 5 分钟以上（分钟、小时或天）。 */
    clock: { slow: '本机时钟慢 {off}', fast: '本机时钟快 {off}' },
    clockOff: { min: '{n} 分钟', h: '{n} 小时', d: '{n} 天' },
    /** 当前活动的结束日期（本机日期）已过：二维码照常更新，扫码是否计入由中继决定。 */
    campaignEnded: '活动已结束',
    /** 当前活动的开始日期（本机日期）还没到：二维码照常更新，扫码照常计入（中继不检查开始日期）。 */
    campaignNotStarted: '活动未开始（{date}开始）',
    /** 微信拒绝了 AppID/AppSecret（40013、40125：在微信后台重置过），按由谁处理区分。 */
    badCredentials: {
      direct: 'AppID 或 AppSecret 不正确 — 请在管理界面“首次设置”页重新输入',
      proxy: '中继的 AppID 或 AppSecret 不正确 — 请联系中继管理员',
    },
    /** 微信拒绝了调用方的 IP（40164：不在公众号的 IP 白名单中），按由谁添加区分。 */
    ipNotAllowed: {
      direct: '本签到台的 IP 不在公众号的 IP 白名单中 — 请在公众平台后台添加',
      proxy: '中继的 IP 不在公众号的 IP 白名单中 — 请联系中继管理员',
    },
    pool: '剩余二维码 {n}',
    poolLow: '二维码即将用完',
    quota: '今日二维码额度已用完',
    budget: '本签到台今日专属码已用完',
    offline: '网络连接中断 — 扫码仍在后台收集，连接恢复后会自动显示在这里。',
    bigScreenWaiting: '大屏正在等待连接中继，连接恢复后自动显示。',
    /** 签到屏横幅：等待不会好转的中继连接故障，说明原因和处理办法（代替上面的“网络连接中断”）。 */
    banner: {
      store_failed:
        '签到台无法保存扫码（磁盘可能已满）— 请工作人员清理签到台的磁盘空间；扫码在中继上等待，能保存后自动补上。',
      link_refused:
        '中继地址有误，签到台连不上中继 — 请工作人员在管理界面“首次设置”页检查中继地址。',
      network_sign_in:
        '此 Wi-Fi 代替中继作答：它需要登录 — 请工作人员在签到台电脑的浏览器里打开任意网页，登录此 Wi-Fi；登录后签到台会自动重连，期间的扫码在中继上等待。',
      tls_untrusted:
        '本签到台不信任连接中继时收到的证书（可能是 Wi-Fi 需要登录）— 请工作人员在签到台电脑的浏览器里打开任意网页；如果 Wi-Fi 要求登录，登录后签到台会自动重连；如果没有，请查看管理界面的“诊断”页。期间的扫码在中继上等待。',
      proxy_invalid:
        '本签到台的代理设置 {setting} 不是 http:// 或 https:// 代理的地址，签到台没有去连中继 — 请工作人员向场地 IT 询问代理地址（http://主机:端口），按签到台设置说明设置 {setting} 后重启签到程序（场地没有代理时删除 {setting}）。期间的扫码在中继上等待。',
      proxy_refused:
        '本网络的 HTTP 代理拒绝让签到台连接中继（HTTP {status}）— 请工作人员向场地 IT 询问要用的代理（如需用户名和密码，即 HTTP 407，一并询问），并请其放行中继地址；再按签到台设置说明设置 HTTPS_PROXY。期间的扫码在中继上等待。',
      unauthorized: '中继拒绝了此签到台的令牌 — 请工作人员向组织者获取新的配对码，重新配对。',
      forbidden: '中继拒绝了此签到台编号 — 请工作人员在管理界面“首次设置”页检查签到台编号。',
      revoked: '此签到台的令牌已被撤销 — 请工作人员向组织者获取新的配对码，重新配对。',
      identity_conflict:
        '另一台设备在使用本签到台的身份，扫码被分到两台上 — 请关掉另一台，或用新的配对码重新配对其中一台。',
    },
  },
  pin: {
    title: '管理员登录',
    prompt: '请输入管理 PIN 码',
    entered: '{prompt}，已输入 {n} 位',
    clear: '清除',
    back: '删除',
    enter: '确定',
    cancel: '返回签到屏',
    wrong: 'PIN 码错误，还可尝试 {n} 次',
    locked: '尝试次数过多，已锁定。请在 {time} 后再试。',
    checking: '正在验证…',
    invalid: 'PIN 码为 4–8 位数字',
  },
  admin: {
    title: '管理',
    lock: '锁定并返回签到屏',
    idleLocked: '长时间未操作，已自动锁定',
    sessionLocked: '管理会话已锁定，请重新输入 PIN 码',
    demo: '演示模式：使用本机模拟的微信平台，数据不会发送到真实公众号。',
    pages: {
      setup: '首次设置',
      campaign: '活动',
      attendance: '签到记录',
      stats: '统计',
      export: '导出',
      roster: '名单导入',
      desk: '前台签到',
      diagnostics: '诊断',
      settings: '设置',
    },
    loading: '加载中…',
    saved: '已保存',
    save: '保存',
    refresh: '刷新',
    error: '操作失败：{message}',
  },
  setup: {
    intro:
      '连接微信公众号与中继服务器：输入活动控制台给出的配对码点“配对”（或填写签到台令牌后点“保存”），再点“测试连接”确认一切正常。',
    ticketSource: '二维码来源',
    sourceDirect: '直连微信接口（本机保存 AppID / AppSecret）',
    sourceProxy: '通过中继代理（推荐：公众号只需把中继服务器 IP 加入白名单）',
    relayUrl: '中继服务器地址',
    relayUrlHint: '例如 https://relay.example.com',
    mode: '签到台接入中继的方式',
    modePair: '使用配对码（由活动控制台生成）',
    modeToken: '改用令牌（由 “kiosk add” 生成，适合脚本部署）',
    pairingCode: '配对码',
    pairingCodeHint: '控制台“签到台 → 添加签到台”显示的 8 位配对码；粘贴配对链接会同时填好中继地址',
    pair: '配对',
    pairing: '正在配对…',
    paired: '配对成功：本签到台编号为 {kioskId}',
    kioskId: '签到台编号',
    kioskIdHint: '小写字母、数字和短横线，最多 24 位，例如 booth-1',
    relayToken: '签到台令牌',
    relayTokenHint: '由中继管理员执行 “kiosk add” 生成',
    relayTokenStored: '已保存令牌；中继地址不变时留空即保持不变',
    apiBase: '微信接口地址',
    appId: 'AppID',
    appSecret: 'AppSecret',
    appSecretStored: '已保存 AppSecret；AppID 和接口地址不变时留空即保持不变',
    save: '保存设置',
    test: '测试连接',
    testing: '正在测试…',
    relayCheck: '中继：{result}',
    apiCheck: '微信接口：{result}',
    next: '下一步：设置活动',
    fieldErrors: {
      relayUrl: '请填写完整的网址，以 https:// 或 wss:// 开头',
      kioskId: '编号只能包含小写字母、数字和短横线，1–24 位',
      relayToken: '令牌应为 16–256 个字母、数字或符号，不含空格和换行，请完整粘贴',
      apiBase: '请填写完整的网址，以 https:// 开头',
      appId: 'AppID 以 wx 开头，后跟 16 位字母或数字',
      appSecret: 'AppSecret 是 32 位字母或数字',
      code: '配对码为 8 位字母和数字，请按控制台显示输入（不含 0、O、1、I、L、2、Z、5、S、8、B）',
      required: '此项必填',
      insecureHttp:
        '只有本机地址（localhost、127.0.0.1、::1）可以使用 http://，请填写 https://（或 wss://）地址',
      userInfo: '地址中不能包含用户名或密码（// 与主机名之间的部分）：签到台不会保存或发送它们',
    },
  },
  codes: {
    ok: '正常',
    unreachable: '无法连接 — 请检查网络和地址是否正确',
    timeout: '连接超时 — 请检查网络',
    unauthorized:
      '中继不认这个签到台令牌（不正确或已被撤销）— 请向组织者获取新的配对码，在“首次设置”页重新配对',
    ip_not_allowed: '本机 IP 不在公众号的白名单中 — 请改用中继代理',
    bad_credentials: 'AppID 或 AppSecret 不正确',
    quota: '今日二维码额度已用完，北京时间 0 点后自动恢复',
    busy: '微信接口繁忙，稍后会自动重试',
    rate_limited: '中继正在限制本签到台的请求频率，稍后会自动重试',
    ticket_budget: '本签到台今日的专属二维码限额已用完（中继设定），北京时间 0 点后自动恢复',
    bad_response: '微信接口返回了无法识别的内容',
    proxy_disabled: '中继尚未设置公众号的 AppID 和 AppSecret，无法生成二维码 — 请联系中继管理员',
    proxy_not_allowed:
      '中继不允许本签到台通过它生成二维码（添加本签到台时关闭了二维码代理）。本签到台的令牌没有问题，只重新配对不会改变 — 请中继管理员为本签到台打开二维码代理（kiosk add 签到台编号 --rotate --ticket-proxy），再用其给出的新令牌或新配对码设置本签到台',
    other: '微信接口出错（错误码 {errcode}），请查看诊断页',
    unhealthy: '中继服务器运行异常（HTTP {status}），请联系中继管理员',
    connecting: '中继可以访问，正在建立连接…',
    store_failed:
      '签到台无法保存中继发来的数据——磁盘可能已满。请清理签到台的磁盘空间；扫码会在中继上等待，能保存后自动补上',
    link_refused:
      '中继地址返回了 HTTP {status}，没有接受签到台的连接——请在设置中检查中继地址（应为中继本身的地址）',
    network_sign_in:
      '网络代替中继返回了 HTTP {status}：此 Wi-Fi（酒店或场馆的访客网络）需要登录。请在签到台的浏览器里打开任意网页并登录；登录后签到台会自动重连。如果没有出现登录页，请在设置中检查中继地址',
    tls_untrusted:
      '中继的安全证书未被接受。最常见的原因是 Wi-Fi 需要登录（在签到台电脑的浏览器里打开任意网页），或公司网络在检查加密流量（换一个网络，或请其 IT 放行中继地址）。如果都不是，请检查本机的日期和时间，再告诉中继管理员（证书可能已过期）',
    proxy_invalid:
      '本签到台的代理设置 {setting} 不是 http:// 或 https:// 代理的地址（例如 socks5:// 代理或输入有误），所以什么也没有发出，不是网络的问题。请把 {setting} 设为场地 IT 给的地址（http://主机:端口）后重启签到程序，场地没有代理时删除它。所用设置见“诊断”页',
    proxy_refused:
      '本网络的 HTTP 代理回答了 HTTP {status}，没有让签到台连到中继：407 表示代理需要用户名和密码（写进 HTTPS_PROXY），403 表示代理不允许访问中继地址（请场地 IT 放行），502 或 504 表示代理连不上中继。所用代理见“诊断”页',
    identity_conflict:
      '另一台设备在使用本签到台的身份（复制的磁盘，或两个签到台共用一个数据目录）：两台互相顶替连接，扫码被分到两台上。请关掉另一台，或用新的配对码重新配对其中一台',
    forbidden: '中继拒绝了此签到台，请检查签到台编号',
    revoked: '此签到台的令牌已被撤销 — 请向组织者获取新的配对码，在“首次设置”页重新配对',
    not_configured: '尚未设置',
    admin_locked: '管理界面已锁定，请重新输入 PIN 码',
    bad_input: '输入有误：{field}',
    unknown_method: '此版本的签到程序不支持该操作，请更新程序',
    not_found: '找不到要操作的内容（可能已被删除）。请重新打开此页后再试',
    unavailable: '服务暂不可用，请稍后再试',
    internal: '签到程序内部出错。请重试；如仍出错，请重启签到程序，并把日志交给技术支持',
    wrong_pin: '当前 PIN 码不正确',
    campaign_not_found: '活动不存在（可能已被删除）',
    campaign_managed: '本机活动由活动控制台管理，请在控制台中修改',
    event_not_found: '找不到这条签到记录',
    registration_not_found: '当前活动中没有这位来宾',
    no_active_campaign: '请先在“活动”页面设置当前活动',
    no_ticket_source: '还没有当前活动或二维码来源，请先完成设置',
    no_fresh_code: '暂时没有可用的新二维码，请稍后再试',
    desktop_only: '开机自动启动仅在安装版桌面程序中可用',
    secure_storage_unavailable:
      '无法安全保存密钥：系统钥匙串不可用。请解锁钥匙串或登录桌面会话后再试。',
    web_key_rejected: '页面密钥已失效（签到程序可能已重启），请打开终端中显示的新地址',
    foreign_origin: '请求来自其他网页，已拒绝',
    body_too_large: '一次提交的数据过多',
    service_unreachable: '无法连接签到服务，请确认签到程序正在运行',
    pairing_code_invalid:
      '中继不认识这个配对码：配对码已过期（有效期 15 分钟），或之后又为该签到台生成了新的配对码（只有最新的有效）— 请向组织者获取最新的配对码',
    pairing_code_used:
      '这个配对码已经用过了（一个配对码只能配对一台设备一次）。请在控制台看它属于哪个签到台：如果那个签到台已由另一台设备配对，请向组织者要本签到台自己的配对码；为已配对的签到台重新生成配对码并使用，会让正在使用它的设备断开',
    pairing_rate_limited: '配对尝试过于频繁（同一网络的签到台共用每分钟 10 次），请等几秒再试',
    relay_unreachable: '无法连接中继 — 请检查地址和网络',
    relay_timeout: '中继没有及时响应。请重试；如果随后提示配对码已用过，请向组织者重新获取',
    wifi_sign_in:
      '此 Wi-Fi 代替中继作答：它需要登录。请在签到台电脑的浏览器里打开任意网页并登录，然后重新配对（配对码尚未使用）',
    relay_tls_untrusted:
      '中继的安全证书未被接受，配对码没有发出（尚未使用）。最常见的原因是 Wi-Fi 需要登录（在签到台电脑的浏览器里打开任意网页并登录，然后重新配对），或公司网络在检查加密流量（换一个网络）。如果都不是，请检查本机的日期和时间，再告诉中继管理员（证书可能已过期）',
    relay_proxy_invalid:
      '本签到台的代理设置 {setting} 不是 http:// 或 https:// 代理的地址（例如 socks5:// 代理或输入有误），配对码没有发出（尚未使用）。请把 {setting} 设为场地 IT 给的地址（http://主机:端口）后重启签到程序，场地没有代理时删除它',
    relay_proxy_refused:
      '本网络的 HTTP 代理拒绝把配对请求转给中继（HTTP {status}），配对码没有发出（尚未使用）：407 表示代理需要用户名和密码（写进 HTTPS_PROXY），403 表示代理不允许访问中继地址（请场地 IT 放行）',
    relay_bad_answer: '该地址有响应，但不是支持配对的 ScanDesk 中继 — 请检查地址',
    export_failed: '文件没有写成。请重试；如仍失败，请把签到程序的日志交给技术支持',
    export_disk_full:
      '签到台的磁盘已满，文件没有写完（未写完的部分已删除）。请清理磁盘空间后重新导出',
    export_no_access:
      '签到台无法在导出文件夹中写入（没有写入权限，或磁盘为只读），没有生成文件。请联系技术支持检查签到程序的数据目录',
    invalid: '格式不正确',
    insecure_http:
      '只有本机地址（localhost、127.0.0.1、::1）可以使用 http://，请使用 https:// 地址',
    user_info: '地址中包含用户名或密码，不会使用：请去掉后重新填写',
    too_small: '太短或太小',
    too_big: '太长或太大',
    reenter: '地址已更改，请重新输入（已保存的密钥不会发往新地址）',
    required: '此项必填',
    duplicate: '重复',
  },
  /** When a failure has no words of its own (shared/errors.ts has no such code, or no code). */
  failure: {
    generic: '出现意外问题，请重试',
    unknownCode: '未知错误（错误代码：{code}）',
  },
  /** Field names in `bad_input`: the contract's field paths. */
  fields: {
    input: '输入内容',
    pin: 'PIN 码',
    currentPin: '当前 PIN 码',
    newPin: '新 PIN 码',
    relayUrl: '中继服务器地址',
    kioskId: '签到台编号',
    relayToken: '签到台令牌',
    apiBase: '微信接口地址',
    appId: 'AppID',
    appSecret: 'AppSecret',
    code: '配对码',
    name: '名称',
    startsOn: '开始日期',
    endsOn: '结束日期',
  },
  /** DateInput.vue's parts (the order and the words between come from the locale's format). */
  date: dateMessages['zh-CN'],
  campaign: {
    list: '活动列表',
    new: '新建活动',
    active: '当前活动',
    activate: '设为当前活动',
    name: '活动名称',
    startsOn: '开始日期',
    endsOn: '结束日期',
    mode: '模式',
    modeBooth: '展位模式（访客自助扫码）',
    modeDesk: '前台模式（工作人员为名单来宾出示专属二维码）',
    rotationSeconds: '二维码无人扫码时多少秒更新',
    ticketLifetimeSeconds: '每个二维码的有效期（秒）',
    greetings: '欢迎语',
    greetingsHint: '可使用 {number}（签到号）；名单来宾的欢迎语还可使用 {name}（姓名）',
    firstVisit: '首次到访',
    welcomeBack: '再次到访',
    named: '名单来宾',
    zh: '中文',
    en: '英文',
    saved: '活动已保存',
    activated: '已设为当前活动',
    savedAndActivated: '活动已保存并设为当前活动，签到台现在显示二维码',
    managed: '本机活动由活动控制台管理：主办方在控制台中修改，本机数秒内同步。此处仅供查看。',
    managedBadge: '活动控制台',
    endedBadge: '已结束',
    notStartedBadge: '未开始',
    /** 当前活动（由活动控制台管理）的开始日期还没到（按本机日期）：中继不检查开始日期。 */
    activeNotStartedConsole:
      '当前活动将于 {date} 开始（按本机日期）。签到台已照常显示并更新二维码，开始前的扫码（包括布置时的试扫）也照常计入本活动：中继不按开始日期拦截扫码。本机活动由活动控制台管理：如需修改开始日期或为本签到台指定其他活动，请主办方在控制台中操作。',
    /** 当前活动（本机活动）的开始日期还没到（按本机日期）。 */
    activeNotStartedLocal:
      '当前活动将于 {date} 开始（按本机日期）。这是本机自己的活动，日期仅作标注：签到台已照常显示并更新二维码，开始前的扫码（包括布置时的试扫）也照常计入。如需去掉此提示，请修改活动的开始日期或换一个活动。',
    /** 当前活动（由活动控制台管理）的结束日期已过（按本机日期）。 */
    activeEndedConsole:
      '当前活动已于 {date} 结束（按本机日期）。签到台仍照常显示并更新二维码；结束后的扫码是否计入，由中继的设置决定。本机活动由活动控制台管理：如需继续签到，请主办方在控制台中修改结束日期或为本签到台指定其他活动。',
    /** 当前活动（本机活动）的结束日期已过（按本机日期）。 */
    activeEndedLocal:
      '当前活动已于 {date} 结束（按本机日期）。这是本机自己的活动，日期仅作标注：签到台仍照常显示并更新二维码，扫码照常计入。如需去掉此提示，请修改活动的结束日期或换一个活动。',
    noneActive:
      '目前没有当前活动，签到台不显示二维码。请在下方新建活动（保存后即成为当前活动），或将已有活动设为当前活动。',
    noneActiveConsole:
      '目前没有当前活动，签到台不显示二维码。本机已连接活动控制台：请主办方在控制台中为本签到台指定活动，本机数秒内同步。在此之前，也可在下方新建本机活动（保存后即成为当前活动）。',
    errors: {
      name: '请填写活动名称（最多 80 字）',
      endsOn: '结束日期不能早于开始日期',
      date: '请填写完整、有效的日期（年、月、日）',
      rotationSeconds: '请填写 10 到 3600 之间的整数',
      ticketLifetimeSeconds: '请填写 60 到 2592000（30 天）之间的整数',
      ticketLifetimeShort:
        '有效期须比二维码停留在屏幕上的时间至少长 30 秒，否则访客会扫到已过期的二维码',
      greeting: '请填写欢迎语（最多 200 字）',
      greetingPlaceholder: "只能使用 {'{name}'} 和 {'{number}'}，其他花括号内容会原样显示给访客",
      greetingBraces: "有括号未配对：占位符如 {'{name}'} 前后各有一个括号",
      greetingNoName: "只有名单来宾的欢迎语能用 {'{name}'}：其他访客没有姓名，会显示为空",
      lineChars:
        '只能是一行文字，不能包含控制字符（如换行、制表符）或文字方向控制符：请删除后重新输入',
      textChars: '除换行外不能包含控制字符（如制表符）或文字方向控制符：请删除后重新输入',
    },
  },
  attendance: {
    search: '搜索姓名或 openid',
    from: '从',
    to: '到',
    total: '共 {n} 条',
    empty: '暂无签到记录',
    noCampaign: '请先在“活动”页面设置当前活动',
    columns: {
      number: '签到号',
      time: '扫码时间',
      name: '姓名',
      openid: 'openid',
      kind: '类型',
      kiosk: '签到台',
    },
    first: '首次到访',
    repeat: '再次到访',
    unknownTicket: '旧二维码',
    fallback: '备用码',
  },
  stats: {
    total: '扫码总数',
    unique: '独立访客',
    newFollowers: '新关注',
    returning: '回访',
    fallbackScans: '备用码扫码',
    perTenMinutes: '每 10 分钟扫码数',
    newVsReturning: '新关注与回访',
    firstVisits: '首次到访',
    repeats: '再次到访',
    empty: '暂无数据',
    barsChartLabel: '每 10 分钟扫码柱状图：共 {total} 次，最多一段 {peak} 次（{at} 起）',
    doughnutChartLabel: '新关注与回访环形图：新关注 {newFollowers}，回访 {returning}',
  },
  /**
   * 签到记录、统计、导出页说明数字属于哪个活动。本签到台没有指定活动时（组织者取消了指定），
   * 这些页面显示本签到台最近的活动：说明这一点，以免把旧活动的数字当成今天的。
   */
  viewedCampaign: {
    attendance: {
      current: '签到记录所属活动：{name}',
      other: '本签到台目前没有指定活动。下面是活动“{name}”的签到记录。',
    },
    stats: {
      current: '统计所属活动：{name}',
      other: '本签到台目前没有指定活动。下面是活动“{name}”的统计。',
    },
    export: {
      current: '导出活动：{name}',
      other: '本签到台目前没有指定活动。下面的按钮导出活动“{name}”的签到记录。',
    },
  },
  export: {
    intro:
      '导出当前活动的全部签到记录。在 Excel、WPS 或 Numbers 中查看请选 Excel (XLSX)：电话、编号保持原样，时间可排序筛选。',
    csv: '导出 CSV',
    csvHint:
      'CSV 供导入其他系统。用 Excel 或 WPS 打开会去掉编号、电话开头的 0，身份证号等长数字变成 1.23E+17。查看请选 Excel (XLSX)。',
    xlsx: '导出 Excel (XLSX)',
    progress: '导出进度',
    running: '正在导出… {done} / {total}',
    done: '导出完成：{file}',
    download: '下载 {file}',
    savedTo: '已保存到 {path}',
    failed: '导出失败：{error}',
    gone: '这个文件已不在本机上（签到程序重启过，或文件被删除），无法下载。请重新导出一份。',
    again: '重新导出',
  },
  roster: {
    intro: '导入来宾名单（CSV 或 XLSX），前台模式下可为名单来宾出示专属二维码。',
    columns: '列名一行：姓名（必填）、单位、电话、编号；上方可有标题行。',
    managed:
      '本机活动由活动控制台管理：来宾名单由主办方在控制台的活动页上传，本机自动同步，无需在此导入。',
    choose: '选择文件',
    importing: '正在导入…',
    heldBack: '尚未导入：{count} 行有问题。请修改文件后重新选择，或跳过这些行导入其余行',
    result: '已导入 {imported} 行，跳过 {skipped} 行',
    fileRefused: '未导入：文件本身无法导入，请按下方说明修改文件后重新选择',
    errorsTitle: '有问题的行',
    row: '行',
    column: '列',
    message: '问题',
    skipBad: '跳过有问题的行，导入其余行',
    badFormat: '只支持 .csv 或 .xlsx 文件',
    tooLarge: '文件过大（最大 10 MB）',
    fields: { name: '姓名', company: '单位', phone: '电话', code: '编号' },
    problems: rosterProblemMessages['zh-CN'],
    files: rosterFileMessages['zh-CN'],
  },
  desk: {
    rosterArriving: '名单同步中 {percent}%：新名单到齐前按旧名单查找',
    search: '搜索来宾姓名、电话或编号',
    empty: '没有匹配的来宾',
    /** A search's outcome, said by a screen reader. */
    found: '找到 {n} 位来宾',
    /** The same, for what was typed: the words change with each search, so each is said. */
    foundFor: '“{query}”：找到 {n} 位来宾',
    emptyFor: '没有与“{query}”匹配的来宾',
    noRoster:
      '本活动还没有来宾名单。前台签到按名单为每位来宾出示专属二维码：请先在「名单导入」页导入名单。',
    noRosterConsole:
      '本活动还没有来宾名单。名单由主办方在活动控制台的活动页上传，上传后自动同步到本机。',
    show: '出示二维码',
    /** Each row's button, named after its guest. */
    showFor: '出示二维码：{name}',
    checkedIn: '已签到',
    checkedInOn: '已签到 {when}',
    notCheckedIn: '未签到',
    waiting: '{name}，请用微信扫码',
    done: '{name}已签到',
    expired: '二维码已过期，微信不再识别，请重新出示',
    showAgain: '重新出示二维码',
    company: '单位',
    code: '编号',
  },
  diagnostics: {
    eventId: '事件 ID',
    kind: { subscribe: '新关注', scan: '扫码' },
    version: '版本',
    kioskId: '签到台编号',
    relay: '中继',
    relayError: '中继连接错误',
    proxy: 'HTTP 代理',
    proxyDirect: '无（直接连接）',
    relayEpoch: '队列纪元',
    lastAckedSeq: '已确认序号',
    lag: '延迟',
    lagValue: '{ms} 毫秒',
    api: '微信接口',
    pool: '二维码池',
    poolValue: '{available} / {target}',
    createdToday: '今日已生成',
    quota: '额度',
    quotaOk: '正常',
    quotaOut: '已用完',
    lastError: '最近错误',
    lastEvents: '最近事件',
    none: '无',
    startAtLogin: '开机自动启动',
    fallbackCode: '备用码',
    fallbackReady: '已就绪（{scene}）',
    fallbackPending: '尚未生成，稍后重试',
    fallbackPendingError: '尚未生成，稍后重试（{error}）',
    fallbackLastShown: '备用码上次显示',
    fallbackOnScreen: '正在显示',
    fallbackNever: '从未显示',
    /** 通过中继代理取码时的失败，只有中继管理员能处理的。 */
    proxyError: {
      bad_credentials:
        '微信拒绝了中继的 AppID 或 AppSecret（可能已在公众平台后台重置）— 请中继管理员在中继上设置新的；本签到台无需修改',
      ip_not_allowed:
        '中继服务器的 IP 不在公众号的 IP 白名单中 — 请中继管理员在公众平台后台添加中继的公网 IP；本签到台无需修改',
    },
    /** 直连微信的签到台，请求被场地网络拦下（codes.* 说的是中继）。 */
    wechatProxyError: {
      proxy_refused:
        '本网络的 HTTP 代理回答了 HTTP {status}，没有让签到台连到微信接口：407 表示代理需要用户名和密码（写进 HTTPS_PROXY），403 表示代理不允许访问 api.weixin.qq.com（请场地 IT 放行）。所用代理见“诊断”页',
      proxy_invalid:
        '本签到台的代理设置 {setting} 不是 http:// 或 https:// 代理的地址，所以什么也没有发给微信，不是网络的问题。请把 {setting} 设为场地 IT 给的地址（http://主机:端口）后重启签到程序，场地没有代理时删除它',
      tls_untrusted:
        '微信接口的安全证书未被接受，是网络代替微信接口作了回答。最常见的原因是 Wi-Fi 需要登录（在签到台电脑的浏览器里打开任意网页），或公司网络在检查加密流量、拦截了 api.weixin.qq.com（换一个网络，或请其 IT 放行）。如果都不是，请检查本机的日期和时间',
    },
    /** 诊断页顶部：今天拿不到新的专属二维码时，说明原因、访客看到什么、何时恢复。 */
    supply: {
      ticket_budget:
        '每人专属二维码今日已用完：本签到台的每日限额（中继设定）已用完。{screen}北京时间 0 点后自动恢复。',
      quota:
        '每人专属二维码今日已用完：公众号的微信每日额度已用完（所有签到台都受影响）。{screen}北京时间 0 点后自动恢复。',
      rate_limited:
        '中继暂时限制本签到台获取新二维码的频率，约 {minutes} 分钟后自动继续；现有二维码照常使用。',
      fallbackOn: '正在显示通用二维码（备用码），签到照常。',
      fallbackNext: '现有二维码用完后会显示通用二维码（备用码），签到照常。',
    },
  },
  settings: {
    language: '界面语言',
    pin: '修改管理 PIN 码',
    currentPin: '当前 PIN 码',
    newPin: '新 PIN 码',
    savePin: '保存新 PIN 码',
    pinSaved: '新 PIN 码已保存',
    bigScreen: '大屏',
    bigScreenHint: '本机屏幕显示的内容（中继活动的页面）。',
    bigScreenQr: '二维码',
    bigScreenWall: '签到墙',
    bigScreenDraw: '抽奖台',
  },
  clearBooth: {
    title: '清除本机数据',
    hint: '活动结束、归还租用或共用的电脑前：删除本机的名单、签到记录、密钥和日志，之后如首次启动一样，会显示新的管理 PIN 码。',
    unsentBindings: '尚未送达中继的前台绑定：{count} 条',
    localOnlyCheckIns: '只保存在本机的签到（所属活动不由中继运行）：{count} 条',
    exportFirst: '先导出签到记录',
    ask: '清除本机数据…',
    confirm: '确定清除本机数据？此操作无法撤销。',
    confirmLoss: '上面的数据只在本机，清除后将永久丢失，无法撤销。确定清除？',
    confirmButton: '确认清除',
    refused: '计数之后又有只在本机的数据进来：什么都没有清除。请看上面新的数量。',
    cancel: '取消',
    left: '已清除。{folder} 里还留有 {count} 个不属于签到程序的文件：{files}。它们未被删除；若含来宾数据，请自行删除。',
    leftDone: '知道了',
  },
}

export type MessageSchema = typeof zhCN

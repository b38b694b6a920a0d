import { dateMessages } from '../../../shared/ui/date-messages'
import { rosterFileMessages, rosterProblemMessages } from '../../../shared/ui/roster-messages'
import type { MessageSchema } from './zh-CN'

/**
 * English, same keys as zh-CN.ts (checked by the type). Name things as docs/GLOSSARY.md does
 * (booth, visitor, guest, check-in no., first visit, new follower, admin PIN …): the same words
 * as the console and the exported sheets (test/repo/glossary.test.ts).
 */

export const en: MessageSchema = {
  app: { name: 'ScanDesk' },
  kiosk: {
    instruction: 'Scan with WeChat to check in',
    forGuest: '{name}, please scan to check in',
    preparing: 'Preparing a new code…',
    connecting: 'Connecting to the check-in service…',
    notConfigured: 'This booth is not set up yet',
    notConfiguredHint: 'Staff: open the admin area to finish setup',
    noCampaign: 'No campaign yet',
    noCampaignHint:
      'Staff: create or pick a campaign in the admin area; the check-in code appears here then',
    noCampaignHintConsole:
      'Organizer: assign this booth to a campaign in the event console (or staff: create one in the admin area); the check-in code appears here then',
    deskWaiting: 'Please check in at the desk',
    deskWaitingHint: 'Once staff find your name, your check-in QR code appears here',
    paused: 'Check-in paused',
    pausedHint: 'Please ask a staff member to check you in',
    secondsLeft: '{n} s',
    ringLabel: 'New code in {n} second | New code in {n} seconds',
    demo: 'Demo mode',
    defaultTitle: 'Welcome',
    fallback: 'fallback',
    fallbackLabel: 'Fallback code: no new code can be made right now; scanning checks in as usual',
  },
  greeting: {
    number: 'Check-in no. {n}',
    kind: { named: 'Checked in', 'first-visit': 'First visit', 'welcome-back': 'Welcome back' },
  },
  status: {
    relay: {
      connected: 'Relay connected',
      connecting: 'Connecting to relay',
      reconnecting: 'Relay reconnecting',
      reconnectingIn: 'Relay reconnecting (retry in {s} s)',
      catchingUp: 'Catching up: {n} left',
      rosterArriving: 'Roster updating {percent}%',
      disabled: 'Relay not enabled',
    },
    api: {
      ok: '{source} reachable',
      degraded: '{source} unstable',
      down: '{source} unreachable',
      unknown: '{source} status unknown',
      /** No campaign yet: no code asked for, so no state to know (not a fault). */
      idle: '{source} idle: assign a campaign to start',
    },
    source: { direct: 'WeChat API', proxy: 'Relay proxy' },
    /** The relay link's failure, short, in place of its state (Diagnostics say what to do). */
    link: {
      store_failed: 'This booth cannot save scans (disk full?)',
      link_refused: 'Relay address is wrong (HTTP {status})',
      network_sign_in: 'This Wi-Fi needs a sign-in in a browser',
      tls_untrusted: "Relay's certificate not trusted: Wi-Fi sign-in?",
      proxy_refused: "Network's proxy refused the relay (HTTP {status})",
      proxy_invalid: "Booth's proxy setting {setting} is not valid",
      unauthorized: "Relay refused this booth's token",
      forbidden: 'Relay refused this booth ID',
      revoked: "This booth's token was revoked",
      identity_conflict: "Another device is using this booth's identity",
    },
    proxyDisabled: 'Relay has no WeChat account set up',
    proxyNotAllowed: "Relay won't make codes for this booth",
    /**
     * The booth's clock this far off the relay's (5 min or more; minutes, hours or days): its
     * days, campaign dates and stats are on it, so staff set it.
     */
    clock: { slow: 'Clock {off} slow', fast: 'Clock {off} fast' },
    clockOff: { min: '{n} min', h: '{n} h', d: '{n} day | {n} days' },
    campaignEnded: 'Campaign ended',
    // Short (the status corner's row beside the relay and API states on a portrait screen, with
    // the demo badge): 'Campaign not started (starts December 5, 2026)' wrapped onto a second row.
    campaignNotStarted: 'Not started (starts {date})',
    /** WeChat refused the AppID/AppSecret (40013, 40125: reset in the WeChat admin), by who fixes it. */
    badCredentials: {
      direct: 'AppID or AppSecret wrong — re-enter it in Admin → Setup',
      proxy: "Relay's AppID or AppSecret wrong — tell the relay admin",
    },
    /** WeChat refused the caller's IP (40164: not on the account's IP allow-list), by who adds it. */
    ipNotAllowed: {
      direct: "This booth's IP is not on WeChat's IP allow-list — add it in the WeChat admin",
      proxy: "Relay's IP is not on WeChat's IP allow-list — tell the relay admin",
    },
    pool: '{n} code left | {n} codes left',
    poolLow: 'Running out of codes',
    quota: "Today's code quota is used up",
    budget: "This booth's codes for today are used up",
    offline:
      'Connection lost — scans are still being collected and will appear here when the connection returns.',
    bigScreenWaiting:
      'The big screen is waiting for the relay and will appear once the connection is back.',
    /** Screen banner: a link failure waiting does not cure, with what to do (instead of offline). */
    banner: {
      store_failed:
        'This booth cannot save scans (its disk may be full) — staff: free up space on the booth; scans wait at the relay and arrive once they can be saved.',
      link_refused:
        'The relay address is wrong, so this booth cannot reach the relay — staff: check the relay address in Admin → Setup.',
      network_sign_in:
        "This Wi-Fi answered in place of the relay: it needs a sign-in — staff: open any web page in a browser on this booth's computer and sign in; the booth reconnects by itself, and scans made meanwhile wait at the relay.",
      tls_untrusted:
        "This booth does not trust the certificate it was shown for the relay (the Wi-Fi may want a sign-in) — staff: open any web page in a browser on this booth's computer; if the Wi-Fi asks for a sign-in, sign in and the booth reconnects by itself; if not, see Admin → Diagnostics. Scans made meanwhile wait at the relay.",
      proxy_refused:
        "This network's HTTP proxy refused to let the booth through to the relay (HTTP {status}) — staff: ask the venue's IT for the proxy to use (with its user name and password if it wants one, HTTP 407) and to allow the relay's address; then set HTTPS_PROXY as the booth setup guide says. Scans made meanwhile wait at the relay.",
      proxy_invalid:
        "This booth's proxy setting {setting} is not an http:// or https:// proxy's address, so the booth does not try the relay — staff: ask the venue's IT for the proxy's address (http://host:port), set {setting} as the booth setup guide says and restart the booth program (or remove {setting} if the venue has no proxy). Scans made meanwhile wait at the relay.",
      unauthorized:
        "The relay refused this booth's token — staff: get a new pairing code from the organizer and pair again.",
      forbidden: 'The relay refused this booth ID — staff: check the booth ID in Admin → Setup.',
      revoked:
        "This booth's token was revoked — staff: get a new pairing code from the organizer and pair again.",
      identity_conflict:
        "Another device is using this booth's identity and the scans are split between them — staff: turn the other device off, or pair one of them again with a new code.",
    },
  },
  pin: {
    title: 'Admin sign-in',
    prompt: 'Enter the admin PIN',
    entered: '{prompt}, no digits yet | {prompt}, {n} digit entered | {prompt}, {n} digits entered',
    clear: 'Clear',
    back: 'Delete',
    enter: 'OK',
    cancel: 'Back to check-in screen',
    wrong: 'Wrong PIN, {n} attempt left | Wrong PIN, {n} attempts left',
    locked: 'Too many attempts. Locked — try again in {time}.',
    checking: 'Checking…',
    invalid: 'The PIN is 4–8 digits',
  },
  admin: {
    title: 'Admin',
    lock: 'Lock and return to check-in screen',
    idleLocked: 'Locked after a period of inactivity',
    sessionLocked: 'The admin session is locked. Please enter the PIN again.',
    demo: 'Demo mode: a simulated WeChat platform runs on this machine; nothing reaches a real account.',
    pages: {
      setup: 'Setup',
      campaign: 'Campaign',
      attendance: 'Attendance',
      stats: 'Statistics',
      export: 'Export',
      roster: 'Roster',
      desk: 'Desk',
      diagnostics: 'Diagnostics',
      settings: 'Settings',
    },
    loading: 'Loading…',
    saved: 'Saved',
    save: 'Save',
    refresh: 'Refresh',
    error: 'Something went wrong: {message}',
  },
  setup: {
    intro:
      'Connect the WeChat Official Account and the relay server: pair with a code from the event console (or enter a booth token), then press “Test connection”.',
    ticketSource: 'Where QR codes come from',
    sourceDirect: 'WeChat API directly (AppID / AppSecret stored on this booth)',
    sourceProxy: "Through the relay proxy (recommended: only the relay's IP needs allow-listing)",
    relayUrl: 'Relay server address',
    relayUrlHint: 'e.g. https://relay.example.com',
    mode: 'How this booth joins the relay',
    modePair: 'Pair with a code (from the event console)',
    modeToken: 'Use a token instead (from “kiosk add”, for scripts)',
    pairingCode: 'Pairing code',
    pairingCodeHint:
      'The 8 characters the console shows under Booths → Add booth; pasting the pairing link fills in the relay address too',
    pair: 'Pair',
    pairing: 'Pairing…',
    paired: 'Paired: this booth is {kioskId}',
    kioskId: 'Booth ID',
    kioskIdHint: 'Lower-case letters, digits and dashes, up to 24, e.g. booth-1',
    relayToken: 'Booth token',
    relayTokenHint: 'Created by the relay admin with “kiosk add”',
    relayTokenStored: 'A token is stored; leave empty to keep it (same relay address only)',
    apiBase: 'WeChat API address',
    appId: 'AppID',
    appSecret: 'AppSecret',
    appSecretStored:
      'An AppSecret is stored; leave empty to keep it (same AppID and API address only)',
    save: 'Save settings',
    test: 'Test connection',
    testing: 'Testing…',
    relayCheck: 'Relay: {result}',
    apiCheck: 'WeChat API: {result}',
    next: 'Next: set up the campaign',
    fieldErrors: {
      relayUrl: 'Enter the full address, starting with https:// or wss://',
      kioskId: 'Only lower-case letters, digits and dashes, 1–24 characters',
      relayToken: 'The token is 16–256 letters, digits or symbols, no spaces — paste all of it',
      apiBase: 'Enter the full address, starting with https://',
      appId: 'The AppID is wx followed by 16 letters or digits',
      appSecret: 'The AppSecret is 32 letters or digits',
      code: 'The code is 8 letters and digits, as the console shows it (there is no 0, O, 1, I, L, 2, Z, 5, S, 8 or B)',
      required: 'Required',
      insecureHttp:
        'Plain http:// is only for this computer (localhost, 127.0.0.1, ::1): enter the https:// (or wss://) address',
      userInfo:
        'Enter the address without a user name or password (nothing between // and the host): the booth never keeps or sends them',
    },
  },
  codes: {
    ok: 'OK',
    unreachable: 'Cannot connect — check the network and the address',
    timeout: 'Timed out — check the network',
    unauthorized:
      'The relay does not accept this booth token (wrong or revoked) — get a new pairing code from the organizer and pair again on the Setup page',
    ip_not_allowed: "IP not on the account's allow-list — use the relay proxy",
    bad_credentials: 'AppID or AppSecret is wrong',
    quota: "Today's QR code quota is used up; it resets at midnight Beijing time",
    busy: 'WeChat API busy; retrying automatically',
    rate_limited: 'The relay is pacing this booth; it asks again shortly',
    ticket_budget:
      "This booth's daily limit of per-visitor codes (set on the relay) is used up; back after midnight Beijing time",
    bad_response: 'The WeChat API gave an answer that was not understood',
    proxy_disabled:
      "The relay has no WeChat AppID and AppSecret set up, so it makes no codes — ask the relay's administrator",
    proxy_not_allowed:
      "The relay does not let this booth make codes through it (its ticket proxy was turned off when the booth was added). This booth's token is fine, and pairing again alone changes nothing — ask the relay admin to turn the ticket proxy on for this booth (kiosk add <booth ID> --rotate --ticket-proxy), then set this booth up with the new token or pairing code they give",
    other: 'WeChat API error (errcode {errcode}); see Diagnostics',
    unhealthy: 'The relay server is unwell (HTTP {status}); contact the relay admin',
    connecting: 'The relay is reachable; still connecting…',
    store_failed:
      'This booth could not save what the relay sent — its disk may be full. Free up space on the booth; scans wait at the relay and arrive once it can save them',
    link_refused:
      "The relay address answered HTTP {status} instead of taking the booth's link — check the relay address in Setup (the relay's own address)",
    network_sign_in:
      'The network answered HTTP {status} in place of the relay: this Wi-Fi (a hotel or venue guest network) wants a sign-in. Open any web page in a browser on this booth and sign in; the booth reconnects by itself. If no sign-in page appears, check the relay address in Setup',
    tls_untrusted:
      "The relay's security certificate was not accepted. Most often the Wi-Fi wants a sign-in (open any web page in a browser on this booth's computer) or a company network inspects encrypted traffic (use another network, or ask its IT to let the relay's address through). If neither, check this computer's date and time, then tell the relay admin (the certificate may have expired)",
    proxy_invalid:
      "This booth's proxy setting {setting} is not an http:// or https:// proxy's address (a socks5:// proxy, or a typo), so nothing was sent: it is not the network's fault. Set {setting} to the address the venue's IT gives (http://host:port) and restart the booth program, or remove it if the venue has no proxy. See Diagnostics for the setting in use",
    proxy_refused:
      "This network's HTTP proxy answered HTTP {status} instead of letting the booth through to the relay: 407 means it wants a user name and password (put them in HTTPS_PROXY), 403 that it does not allow the relay's address (ask the venue's IT to allow it), 502 or 504 that it could not reach the relay. See Diagnostics for the proxy in use",
    identity_conflict:
      "Another device is using this booth's identity (a copied disk, or two booths on one data folder): they keep replacing each other's link and the scans are split between them. Turn the other one off, or pair one of them again with a new code",
    forbidden: 'The relay refused this booth; check the booth ID',
    revoked:
      "This booth's token was revoked — get a new pairing code from the organizer and pair again on the Setup page",
    not_configured: 'Not set up yet',
    admin_locked: 'The admin area is locked: enter the PIN again',
    bad_input: 'Invalid input: {field}',
    unknown_method: 'This version of the check-in app cannot do that; update it',
    not_found:
      'What this refers to is no longer there (it may have been deleted). Open this page again and try again',
    unavailable: 'Service unavailable, try again shortly',
    internal:
      'An internal error in the booth program. Try again; if it happens again, restart the booth program and give its log to technical support',
    wrong_pin: 'The current admin PIN is wrong',
    campaign_not_found: 'No such campaign (it may have been removed)',
    campaign_managed: 'This booth’s campaign is managed by the event console; edit it there',
    event_not_found: 'No such check-in',
    registration_not_found: 'No such guest in the active campaign',
    no_active_campaign: 'Activate a campaign first (Campaign page)',
    no_ticket_source: 'No active campaign or code source yet; finish setup first',
    no_fresh_code: 'No fresh code available yet; try again in a moment',
    desktop_only: 'Start at login works only in the installed desktop app',
    secure_storage_unavailable:
      'Secrets cannot be stored: the system keychain is not available. Unlock it or log in to the desktop session, then try again.',
    web_key_rejected:
      "This page's key is no longer valid (the check-in app may have restarted); open the new address shown in the terminal",
    foreign_origin: 'Refused: the request came from another page',
    body_too_large: 'Too much data in one request',
    service_unreachable: 'The check-in service cannot be reached; check that it is running',
    pairing_code_invalid:
      'The relay does not know this pairing code: it has expired (codes last 15 minutes), or a newer code was made for this booth since (only the latest works) — ask the organizer for the latest code',
    pairing_code_used:
      "This pairing code was already used (a code pairs one device, once). Check on the console which booth it was for: if another device is paired to that booth, ask the organizer for this booth's own code; a new code for a paired booth, once used, cuts off the device using it",
    pairing_rate_limited:
      'Too many pairing attempts from this network (its booths share 10 a minute); wait a few seconds and try again',
    relay_unreachable: 'Cannot reach the relay — check the address and the network',
    relay_timeout:
      'The relay did not answer in time. Try again; if the code is then reported as used, ask for a new one',
    wifi_sign_in:
      "This Wi-Fi answered in place of the relay: it wants a sign-in. Open any web page in a browser on this booth's computer, sign in, then pair again (the code was not used)",
    relay_tls_untrusted:
      "The relay's security certificate was not accepted, so the code was not sent (it was not used). Most often the Wi-Fi wants a sign-in (open any web page in a browser on this booth's computer, sign in, then pair again) or a company network inspects encrypted traffic (use another network). If neither, check this computer's date and time, then tell the relay admin (the certificate may have expired)",
    relay_proxy_invalid:
      "This booth's proxy setting {setting} is not an http:// or https:// proxy's address (a socks5:// proxy, or a typo), so the code was not sent (it was not used). Set {setting} to the address the venue's IT gives (http://host:port) and restart the booth program, or remove it if the venue has no proxy",
    relay_proxy_refused:
      "This network's HTTP proxy refused to pass the pairing on to the relay (HTTP {status}), so the code was not sent (it was not used): 407 means it wants a user name and password (put them in HTTPS_PROXY), 403 that it does not allow the relay's address (ask the venue's IT to allow it)",
    relay_bad_answer:
      'That address answered, but not as a ScanDesk relay that can pair booths — check the address',
    export_failed:
      "the file could not be written. Try again; if it keeps failing, give the booth program's log to technical support",
    export_disk_full:
      "the booth's disk is full, so the file was not finished (the unfinished part was removed). Free up disk space, then export again",
    export_no_access:
      "the booth cannot write to its export folder (no write permission, or a read-only disk), so no file was made. Ask technical support to check the booth program's data folder",
    invalid: 'Invalid format',
    insecure_http:
      'Plain http:// is only for this computer (localhost, 127.0.0.1, ::1): use the https:// address',
    user_info: 'An address with a user name or password in it is not used: enter it without them',
    too_small: 'Too short or too small',
    too_big: 'Too long or too large',
    reenter: 'The address changed: enter it again (a saved secret is never sent to a new address)',
    required: 'Required',
    duplicate: 'Duplicate',
  },
  failure: {
    generic: 'An unexpected problem; try again',
    unknownCode: 'Unknown error (error code: {code})',
  },
  fields: {
    input: 'input',
    pin: 'PIN',
    currentPin: 'Current PIN',
    newPin: 'New PIN',
    relayUrl: 'Relay server address',
    kioskId: 'Booth ID',
    relayToken: 'Booth token',
    apiBase: 'WeChat API address',
    appId: 'AppID',
    appSecret: 'AppSecret',
    code: 'Pairing code',
    name: 'Name',
    startsOn: 'Start date',
    endsOn: 'End date',
  },
  date: dateMessages['en'],
  campaign: {
    list: 'Campaigns',
    new: 'New campaign',
    active: 'Active',
    activate: 'Make active',
    name: 'Name',
    startsOn: 'Starts on',
    endsOn: 'Ends on',
    mode: 'Mode',
    modeBooth: 'Booth (visitors scan on their own)',
    modeDesk: 'Desk (staff show a personal code to registered guests)',
    rotationSeconds: 'Seconds before an unscanned code changes',
    ticketLifetimeSeconds: 'Lifetime of each code (seconds)',
    greetings: 'Greetings',
    greetingsHint:
      'You can use {number} (check-in number); a registered guest’s greeting can also use {name} (name)',
    firstVisit: 'First visit',
    welcomeBack: 'Returning',
    named: 'Registered guest',
    zh: 'Chinese',
    en: 'English',
    saved: 'Campaign saved',
    activated: 'Campaign is now active',
    savedAndActivated: 'Campaign saved and made active: the booth now shows a code',
    managed:
      'This booth’s campaign is managed by the event console: organizers edit it there, and this booth follows within seconds. Shown here read-only.',
    managedBadge: 'Event console',
    endedBadge: 'Ended',
    notStartedBadge: 'Not started',
    activeNotStartedConsole:
      "The active campaign starts on {date} (by this booth's date). The booth already shows and rotates its code, and scans before the first day (test scans while setting up too) count in this campaign as on any day: the relay does not hold scans back by the start date. This campaign is managed by the event console: to change its start date or assign this booth another campaign, an organizer does so there.",
    activeNotStartedLocal:
      "The active campaign starts on {date} (by this booth's date). It is this booth's own campaign, so its dates are labels only: the booth already shows and rotates its code and every scan counts, test scans while setting up too. To clear this note, change the campaign's start date or pick another campaign.",
    activeEndedConsole:
      "The active campaign ended on {date} (by this booth's date). The booth still shows and rotates its code; whether scans after the end count is up to the relay's settings. This campaign is managed by the event console: to keep checking visitors in, an organizer changes its end date or assigns this booth another campaign there.",
    activeEndedLocal:
      "The active campaign ended on {date} (by this booth's date). It is this booth's own campaign, so its dates are labels only: the booth still shows and rotates its code and every scan still counts. To clear this note, change the campaign's end date or pick another campaign.",
    noneActive:
      'No campaign is active, so the booth shows no code. Create one below (it becomes active when saved) or make an existing one active.',
    noneActiveConsole:
      'No campaign is active, so the booth shows no code. This booth is linked to an event console: an organizer assigns it a campaign there, and it shows that campaign within seconds. Until then you can also create a campaign of this booth’s own below (it becomes active when saved).',
    errors: {
      name: 'Enter a name (up to 80 characters)',
      endsOn: 'The end date cannot be before the start date',
      date: 'Enter a whole, real date (year, month and day)',
      rotationSeconds: 'Enter a whole number from 10 to 3600',
      ticketLifetimeSeconds: 'Enter a whole number from 60 to 2592000 (30 days)',
      ticketLifetimeShort:
        'A code must live at least 30 seconds longer than it stays on screen, or visitors scan a code that has already expired',
      greeting: 'Enter a greeting (up to 200 characters)',
      greetingPlaceholder:
        "Only {'{name}'} and {'{number}'} are filled in; anything else in braces reaches visitors as typed",
      greetingBraces:
        "A brace is not paired: a placeholder such as {'{name}'} has one brace each side",
      greetingNoName:
        "Only a registered guest's greeting can use {'{name}'}: other visitors have no name, so it would show as a gap",
      lineChars:
        'One line only, without control characters (such as line breaks and tabs) or text-direction controls: delete them and type again',
      textChars:
        'Cannot hold control characters other than line breaks (a tab is one) or text-direction controls: delete them and type again',
    },
  },
  attendance: {
    search: 'Search name or openid',
    from: 'From',
    to: 'To',
    total: '{n} row | {n} rows',
    empty: 'No check-ins yet',
    noCampaign: 'Choose the active campaign on the Campaign page first',
    columns: {
      number: 'Check-in no.',
      time: 'Scanned at',
      name: 'Name',
      openid: 'openid',
      kind: 'Type',
      kiosk: 'Booth',
    },
    first: 'First visit',
    repeat: 'Returning',
    unknownTicket: 'old code',
    fallback: 'fallback',
  },
  stats: {
    total: 'Scans',
    unique: 'Unique visitors',
    newFollowers: 'New followers',
    returning: 'Returning',
    fallbackScans: 'Fallback-code scans',
    perTenMinutes: 'Scans per 10 minutes',
    newVsReturning: 'New followers vs returning',
    firstVisits: 'First visits',
    repeats: 'Returning visits',
    empty: 'No data yet',
    barsChartLabel: 'Bar chart of scans per 10 minutes: {total} in all, at most {peak} (from {at})',
    doughnutChartLabel: 'Doughnut chart: {newFollowers} new followers, {returning} returning',
  },
  viewedCampaign: {
    attendance: {
      current: 'Check-ins of campaign: {name}',
      other: 'This booth has no campaign at the moment. Below are the check-ins of “{name}”.',
    },
    stats: {
      current: 'Statistics of campaign: {name}',
      other: 'This booth has no campaign at the moment. Below are the statistics of “{name}”.',
    },
    export: {
      current: 'Campaign exported: {name}',
      other:
        'This booth has no campaign at the moment. The buttons below export the check-ins of “{name}”.',
    },
  },
  export: {
    intro:
      'Export every check-in of the active campaign. To read it in Excel, WPS or Numbers choose Excel (XLSX): phones and codes stay as written, times sort and filter.',
    csv: 'Export CSV',
    csvHint:
      'CSV is for other systems: Excel and WPS drop the leading zeros of codes and phones and turn long numbers such as ID numbers into 1.23E+17. To read it, choose Excel (XLSX).',
    xlsx: 'Export Excel (XLSX)',
    progress: 'Export progress',
    running: 'Exporting… {done} / {total}',
    done: 'Export finished: {file}',
    download: 'Download {file}',
    savedTo: 'Saved to {path}',
    failed: 'Export failed: {error}',
    gone: 'This file is no longer on this booth (the check-in program restarted, or the file was deleted), so it cannot be downloaded. Export it again.',
    again: 'Export again',
  },
  roster: {
    intro:
      'Import the roster of registered guests (CSV or XLSX); in desk mode staff can show each guest a personal code.',
    columns:
      'A row of column names — name (required), company, phone, code — a title above it is fine.',
    managed:
      'This booth’s campaign is managed by the event console: organizers upload the roster on the campaign’s page there and this booth receives it by itself; nothing to import here.',
    choose: 'Choose file',
    importing: 'Importing…',
    heldBack:
      'Nothing imported yet: {count} row has problems. Fix the file and choose it again, or skip that row and import the rest | Nothing imported yet: {count} rows have problems. Fix the file and choose it again, or skip those rows and import the rest',
    result:
      'Imported {imported} row, skipped {skipped} | Imported {imported} rows, skipped {skipped}',
    fileRefused:
      'Not imported: the file itself cannot be imported. Fix it as described below and choose it again',
    errorsTitle: 'Rows with problems',
    row: 'Row',
    column: 'Column',
    message: 'Problem',
    skipBad: 'Skip the bad rows and import the rest',
    badFormat: 'Only .csv or .xlsx files',
    tooLarge: 'File too large (10 MB at most)',
    fields: { name: 'Name', company: 'Company', phone: 'Phone', code: 'Code' },
    problems: rosterProblemMessages['en'],
    files: rosterFileMessages['en'],
  },
  desk: {
    rosterArriving: 'Roster updating {percent}%: searching the previous list until it is complete',
    search: 'Search guest name, phone or code',
    empty: 'No matching guest',
    /** A search's outcome, said by a screen reader. */
    found: '{n} guest found | {n} guests found',
    /** The same, for what was typed: the words change with each search, so each is said. */
    foundFor: '{n} guest found for “{query}” | {n} guests found for “{query}”',
    emptyFor: 'No matching guest for “{query}”',
    noRoster:
      'This campaign has no roster yet. The desk shows each guest on the roster their own QR code: import the roster on the Roster page first.',
    noRosterConsole:
      "This campaign has no roster yet. The organizer uploads it on the campaign's page in the event console, and it syncs to this booth by itself.",
    show: 'Show QR code',
    /** Each row's button, named after its guest. */
    showFor: 'Show QR code: {name}',
    checkedIn: 'Checked in',
    checkedInOn: 'Checked in {when}',
    notCheckedIn: 'Not yet',
    waiting: '{name}: please scan with WeChat',
    done: '{name} is checked in',
    expired: 'The code has expired and WeChat no longer accepts it: show a new one',
    showAgain: 'Show a new code',
    company: 'Company',
    code: 'Code',
  },
  diagnostics: {
    eventId: 'Event ID',
    kind: { subscribe: 'New follower', scan: 'Scan' },
    version: 'Version',
    kioskId: 'Booth ID',
    relay: 'Relay',
    relayError: 'Relay link error',
    proxy: 'HTTP proxy',
    proxyDirect: 'None (direct connection)',
    relayEpoch: 'Queue epoch',
    lastAckedSeq: 'Last acknowledged seq',
    lag: 'Lag',
    lagValue: '{ms} ms',
    api: 'WeChat API',
    pool: 'Code pool',
    poolValue: '{available} / {target}',
    createdToday: 'Created today',
    quota: 'Quota',
    quotaOk: 'OK',
    quotaOut: 'Used up',
    lastError: 'Last error',
    lastEvents: 'Last events',
    none: 'None',
    startAtLogin: 'Start at login',
    fallbackCode: 'Fallback code',
    fallbackReady: 'Ready ({scene})',
    fallbackPending: 'Not created yet, retrying',
    fallbackPendingError: 'Not created yet, retrying ({error})',
    fallbackLastShown: 'Fallback code last shown',
    fallbackOnScreen: 'On screen now',
    fallbackNever: 'Never',
    /** The ticket source's failure through the relay proxy, when only the relay admin can fix it. */
    proxyError: {
      bad_credentials:
        "WeChat refuses the relay's AppID or AppSecret (reset in the WeChat admin?) — the relay admin must set the new one on the relay; nothing to change on this booth",
      ip_not_allowed:
        "WeChat refuses calls from the relay's IP: it is not on the account's IP allow-list — the relay admin must add the relay server's public IP in the WeChat admin; nothing to change on this booth",
    },
    /** A direct booth's WeChat call stopped by the venue's network (codes.* name the relay). */
    wechatProxyError: {
      proxy_refused:
        "This network's HTTP proxy answered HTTP {status} instead of letting the booth through to WeChat's API: 407 means it wants a user name and password (put them in HTTPS_PROXY), 403 that it does not allow api.weixin.qq.com (ask the venue's IT to allow it). See Diagnostics for the proxy in use",
      proxy_invalid:
        "This booth's proxy setting {setting} is not an http:// or https:// proxy's address, so nothing was sent to WeChat: it is not the network's fault. Set {setting} to the address the venue's IT gives (http://host:port) and restart the booth program, or remove it if the venue has no proxy",
      tls_untrusted:
        "WeChat API's security certificate was not accepted: the network answered in its place. Most often the Wi-Fi wants a sign-in (open any web page in a browser on this booth's computer) or a company network inspects encrypted traffic or blocks api.weixin.qq.com (use another network, or ask its IT to let it through). If neither, check this computer's date and time",
    },
    supply: {
      ticket_budget:
        "Per-visitor codes are used up for today: this booth's daily limit (set on the relay) is spent. {screen}Back after midnight Beijing time.",
      quota:
        "Per-visitor codes are used up for today: the WeChat account's daily quota is spent (every booth is affected). {screen}Back after midnight Beijing time.",
      rate_limited:
        'The relay is pacing new codes for this booth; it continues in about {minutes} min. The current codes still work.',
      fallbackOn: "Showing the booth's general code (fallback code); check-in still works. ",
      fallbackNext:
        "When the current codes run out, the booth's general code (fallback code) goes up; check-in still works. ",
    },
  },
  settings: {
    language: 'Language',
    pin: 'Change admin PIN',
    currentPin: 'Current PIN',
    newPin: 'New PIN',
    savePin: 'Save the new PIN',
    pinSaved: 'New PIN saved',
    bigScreen: 'Big screen',
    bigScreenHint: 'What this booth’s screen shows (the relay campaign’s pages).',
    bigScreenQr: 'QR code',
    bigScreenWall: 'Sign-in wall',
    bigScreenDraw: 'Draw stage',
  },
  clearBooth: {
    title: 'Clear this booth',
    hint: 'After the event, before a rented or shared computer goes back: deletes the roster, check-ins, secrets and logs on this computer. This booth then starts again as at its first start and shows a new admin PIN.',
    unsentBindings: 'Desk bindings not yet at the relay: {count}',
    localOnlyCheckIns:
      'Check-ins kept only on this booth (campaigns the relay does not run): {count}',
    exportFirst: 'Export check-ins first',
    ask: 'Clear this booth…',
    confirm: 'Clear this booth? This cannot be undone.',
    confirmLoss: 'The data above is only on this booth and will be lost for good. Clear anyway?',
    confirmButton: 'Clear',
    refused:
      'More data only this booth holds came in after the count: nothing was cleared. See the new counts above.',
    cancel: 'Cancel',
    left: "Cleared. {count} files were left in {folder}: {files}. They are not this booth's own files, so they were kept: delete them yourself if they hold guests' data.",
    leftDone: 'OK',
  },
}

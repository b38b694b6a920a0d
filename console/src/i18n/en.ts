/**
 * The console in English; same keys as zh-CN.ts (checked by the type). Name things as
 * docs/GLOSSARY.md does (booth, visitor, guest, check-in no., first visit, new follower …): the
 * same words as the kiosk and the exported sheets (test/repo/glossary.test.ts).
 */
import { FOLLOW_UP_REASONS_EN } from '../../../shared/follow-up-api'
import { dateMessages } from '../../../shared/ui/date-messages'
import { rosterFileMessages, rosterProblemMessages } from '../../../shared/ui/roster-messages'
import type { MessageSchema } from './zh-CN'

export const en: MessageSchema = {
  app: { name: 'ScanDesk', title: 'Event console' },
  nav: {
    booths: 'Booths',
    campaigns: 'Campaigns',
    stats: 'Live stats',
    attendance: 'Attendance',
  },
  notFound: {
    title: 'Page not found',
    text: 'The console has no page at this address: the link may be cut short or mistyped.',
    back: 'Go to {page}',
  },
  header: {
    signedInAs: 'Organizer: {name}',
    signOut: 'Sign out',
    signOutFailed: 'Not signed out: {reason}. This computer is still signed in; try again',
  },
  signIn: {
    title: 'Sign in to the event console',
    subtitle: 'Use the organizer account created on the relay server',
    name: 'Name',
    password: 'Password',
    submit: 'Sign in',
    submitting: 'Signing in…',
    wrong: 'Wrong name or password',
    lockedOut: 'Too many failed attempts. Try again in {s} s',
    idle: 'Signed out after {minutes} minutes with nobody using the console. Sign in again',
    idleDropped:
      'Signed out after {minutes} minutes with nobody using the console. Your unsaved campaign changes were not saved and have been cleared from this page, so the next person at this computer cannot see them. Sign in again',
    expiredKept:
      'Your sign-in has expired. Your unsaved campaign changes are kept in this tab, not saved yet: sign in again to get them back and save them',
    lockedOutNow: 'Too many failed attempts. Try again later',
  },
  booths: {
    title: 'Booths',
    intro: 'Every scanning booth: online state, events waiting for it and scans today, live.',
    add: 'Add booth',
    empty: 'No booths yet. Add one to get a pairing code, then enter it on the booth.',
    sortBooth: 'Sort by booth',
    sortMost: 'Sort by this column, most first; click again to sort by booth',
    columns: {
      booth: 'Booth',
      status: 'Status',
      queued: 'Queued',
      scansToday: 'Scans today',
      version: 'Version',
      campaign: 'Campaign',
      actions: 'Actions',
    },
    online: 'Online',
    offlineSince: 'Offline since {time}',
    lastKnownOnline: 'Unknown · last online {time}',
    stale:
      'Cannot reach the relay: the list shows the state at {time} and updates once the connection is back.',
    neverSeen: 'Never connected',
    offline: 'Offline',
    stateUnknown: 'Unknown',
    all: 'All',
    statesLabel: 'Show booths by state',
    pending: 'Waiting to pair',
    revoked: 'Revoked',
    identityConflict: 'Two devices share this booth',
    identityConflictHint:
      "Two devices use this booth's identity (a copied disk or a shared data folder): their links keep replacing each other and the scans are split between them. Turn the extra one off, or click “New code” and pair the one to keep (the other is then cut off; add it as a new booth).",
    none: '—',
    revoke: 'Revoke',
    revokeLabel: 'Revoke: {id}',
    newCode: 'New code',
    newCodeLabel: 'New code: {id}',
    adminUnlock: 'Clear PIN lockout',
    adminUnlockLabel: 'Clear PIN lockout: {id}',
    adminUnlockTitle:
      'For a booth locked out by wrong PINs (anyone at the booth can open the PIN pad): the PIN pad takes a PIN again at once. The PIN stays the same.',
    adminUnlockSent: '“{id}” was told to clear its admin PIN lockout: staff can enter the PIN now.',
    adminUnlockOffline:
      '“{id}” is offline: the lockout can only be cleared while the booth is online.',
    confirmRevoke:
      'Revoke “{id}”? It disconnects at once. “New code” on its row pairs it again later (on this or another device); scans meanwhile are kept for it.',
    revokeOnline: 'It is online now: {n} scan today. | It is online now: {n} scans today.',
    revokeRuns:
      'It is online now and runs “{campaign}”: {n} scan today. | It is online now and runs “{campaign}”: {n} scans today.',
    idTaken:
      'Booth “{id}” already exists (another organizer may have just added it: its code is on their screen). To pair a device to it, click “New code” on its row (the earlier code then stops working).',
    confirm: 'Revoke',
    cancel: 'Cancel',
    addTitle: 'Add a booth',
    idLabel: 'Booth ID',
    idHint: '1–24 lower-case letters, digits or dashes, e.g. hall-a',
    idInvalid: 'Use 1–24 lower-case letters, digits or dashes',
    create: 'Get pairing code',
    assignLabel: 'Campaign “{id}” runs',
    moved: 'Booth “{id}” changed from “{from}” to “{to}”.',
    moveBack: 'Undo: back to “{from}”',
    movedBack: 'Booth “{id}” is back on “{from}”.',
    noCampaign: 'None',
    unknownCampaign: 'Unknown campaign ({id})',
    creating: 'Creating…',
    search: 'Find a booth by ID or campaign',
    showing: 'Showing {shown} of {total} booths',
    matching: '{matched} of {total} booths match',
    noMatch: 'No booth matches “{query}”',
    showMore: 'Show {n} more ({left} left)',
    changedElsewhere:
      'Someone else just assigned “{id}” to a campaign, so nothing was changed. The list is reloaded: check it and choose again.',
  },
  pairing: {
    title: 'Pairing code for “{id}”',
    instruction:
      'Enter this code on the booth’s setup page. The QR code is the pairing link: scan it into the code field with a barcode scanner and the relay address fills in too. It works once.',
    expiresIn: 'Expires in {time}',
    expired: 'This code has expired: click “New code” on the booth’s row for a new one',
    done: 'Done',
    qrLabel: 'Pairing QR code',
    codeSpoken: 'Pairing code {code}',
    usedTitle: '“{id}” is paired',
    used: 'The booth has used this code; it no longer works.',
  },
  stats: {
    title: 'Live stats',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    updatedAt: 'Updated {time}',
    updatedZone:
      'In the relay’s time zone, {zone}, as the attendance list and the downloaded sheets',
    byDay: 'By day',
    byDayZone: 'Days in the relay’s time zone, {zone}; each visitor counts once a day.',
    day: 'Day',
    total: 'Total',
    refreshDays: 'Refresh',
    noDays: 'No scans yet',
    firstNoCampaign:
      'No scans yet. First create a campaign, then add a booth and pick that campaign for it; once visitors scan, these figures update live.',
    firstNoScans:
      'No scans yet. Once a booth is paired and runs a campaign, these figures update live as visitors scan.',
    toBooths: 'Go to booths',
    scans: 'Scans',
    visitors: 'Visitors',
    newFollowers: 'New followers',
    returning: 'Returning',
    stampsCompleted: 'Stamp rally completed',
    perBooth: 'Scans per booth',
    perTenMinutes: 'Scans per 10 minutes today',
    newVsReturning: 'New followers vs returning',
    timelineChartLabel:
      'Bar chart of scans per 10 minutes today: {total} in all, at most {peak} (from {at})',
    splitChartLabel: 'Doughnut chart: {newFollowers} new followers, {returning} returning',
    /** {scans} is `scansInAll`. */
    otherBooths: 'The other booth: {scans} | The other {n} booths: {scans}',
    scansInAll: '{n} scan in all | {n} scans in all',
    empty: 'No data yet',
    visitorsOf: '{n} visitor | {n} visitors',
  },
  scope: {
    label: 'Campaign',
    all: 'All campaigns',
    search: 'Find a campaign',
    searchLabel: 'Search the campaign choice by name',
    gone: 'The campaign in this link is not on the relay (it may have been deleted): showing all campaigns',
  },
  attendance: {
    title: 'Attendance',
    search: 'Search name, openid, booth or scene',
    total: '{n} row | {n} rows',
    day: 'Day',
    allDays: 'All days',
    dayOption: '{day} (scans: {n})',
    dayZone: 'Days in the relay’s time zone, {zone}',
    daySplit:
      'Days end at midnight ({zone}), and there are scans on {days} too: a night that ran past midnight is split between the days’ sheets, and a guest who scanned before and after midnight counts as a visitor on both days. For the whole night, download each of these days, or choose All days (each visitor counted once).',
    relayZone: 'the relay’s time zone',
    dayJoin: ' and ',
    timeZone: 'Times in the relay’s time zone, {zone}, as in the downloaded sheets',
    timesIn: 'Times in {zone}',
    downloadCsv: 'Download CSV',
    downloadXlsx: 'Download Excel',
    /** On paper only: the list prints the rows on screen, not the whole list. */
    print: {
      button: 'Print',
      preparing: 'Preparing to print…',
      title: '{campaign}: check-ins',
      meta: '{n} check-in. Day: {day}. Printed {time}. | {n} check-ins. Day: {day}. Printed {time}.',
      noSearch: 'No search.',
      search: 'Search: “{query}”.',
      tooMany:
        '{n} check-in matches: too many to print here (at most {max}). Pick a day or search to print fewer, or download Excel and print it. | {n} check-ins match: too many to print here (at most {max}). Pick a day or search to print fewer, or download Excel and print it.',
    },
    printNote:
      'Printed from the screen: only the rows shown there. For every row the filter holds, use the page’s Print button; for a list to tick at the door, print the campaign’s door list (Campaigns, Roster).',
    csvHint:
      'CSV is for other systems: Excel and WPS drop the leading zeros of codes and phones and turn long numbers such as ID numbers into 1.23E+17. To read it, use Download Excel.',
    rows: 'Check-in rows (scroll with the arrow and page keys)',
    empty: 'No matching rows',
    noScans:
      'No scans yet. Once a booth is paired and runs a campaign, every scan by a visitor adds a row here.',
    toBooths: 'Go to booths',
    columns: {
      number: 'Check-in no.',
      name: 'Name',
      time: 'Scanned at',
      booth: 'Booth',
      openid: 'openid',
      event: 'Event',
      scene: 'Scene',
    },
    event: { subscribe: 'New follower', scan: 'Scan' },
    fallback: 'Fallback',
    capped:
      'The list shows the first {max} rows: search to narrow it. The CSV and Excel downloads have every row.',
    behind:
      'This booth is offline and the relay still holds scans for it. They are already in the list and the downloads (WeChat sends scans to the relay, not to the booth), but the names of guests checked in at a desk are filled in only once the booth is back online and takes its scans: download again then. | These booths are offline and the relay still holds scans for them. They are already in the list and the downloads (WeChat sends scans to the relay, not to the booths), but the names of guests checked in at a desk are filled in only once the booth is back online and takes its scans: download again then.',
    behindBooth:
      '{id}: offline since {time}, {n} scan waiting | {id}: offline since {time}, {n} scans waiting',
    behindNever:
      '{id}: never connected, {n} scan waiting | {id}: never connected, {n} scans waiting',
    behindMore: 'and {n} more booth | and {n} more booths',
    perScanDay:
      'One row per scan: a visitor who scanned at several booths has several rows (with the same check-in number). 首次到访 / First visit “yes” marks only those whose first visit to the campaign was this day; one who came before and again this day is “no”. {n} visitor came this day (each counted once). | One row per scan: a visitor who scanned at several booths has several rows (with the same check-in number). 首次到访 / First visit “yes” marks only those whose first visit to the campaign was this day; one who came before and again this day is “no”. {n} visitors came this day (each counted once).',
    perScan:
      'One row per scan: a visitor who scanned at several booths has several rows (with the same check-in number). For one row per visitor, filter the sheet’s 首次到访 / First visit column on “yes” (one row per visitor and campaign).',
    erase: {
      column: 'Erase',
      button: 'Erase this visitor: {who}',
      pickCampaign: 'Choose a campaign first to erase a visitor from it.',
      confirm:
        'Erase this visitor ({who}) from “{campaign}”? Their check-in number, name binding, stamps, follow-up and name in draws go. This cannot be undone.',
      confirmButton: 'Confirm erase',
      cancel: 'Cancel',
      guest: 'Guest #{number}',
      done: 'Erased from “{campaign}”: number, name, stamps, follow-up and draw names. Their scan rows (booth, time) stay, with the WeChat id replaced by an anonymous one (a relay on Redis keeps the id for now). The booths’ own copies stay for now.',
      nothing: '“{campaign}” held no data of this visitor.',
    },
  },
  campaigns: {
    title: 'Campaigns',
    intro:
      'A campaign is set up here once; saved changes reach each of its booths within seconds (a booth offline gets them when it reconnects).',
    new: 'New campaign',
    empty: 'No campaigns yet. Create one, then pick its booths.',
    columns: {
      name: 'Campaign',
      dates: 'Dates',
      mode: 'Mode',
      booths: 'Booths',
      actions: 'Actions',
    },
    find: {
      label: 'Find campaigns',
      search: 'Search campaign names',
      phase: 'Status',
      phases: { all: 'All', running: 'Running', 'not-started': 'Not started', ended: 'Ended' },
      count: 'Showing {shown} of {total}',
      none: 'No campaign matches the search or the filter.',
      clear: 'Clear filter',
    },
    anyDate: 'Any',
    phase: {
      'not-started': 'Not started',
      running: 'Running',
      ended: 'Ended',
      noLongerCount: '· scans no longer count',
      endedStops:
        "The campaign's end date has passed (in the relay's time zone): the relay no longer counts its scans, and visitors get the 'event ended' reply.",
      endedCounts:
        "The campaign's end date has passed (in the relay's time zone). This relay treats dates as labels only: scans still count as usual.",
      endingStops:
        "This end date has passed (in the relay's time zone): saved, it ends the campaign now. The relay will stop counting its scans and visitors get the 'event ended' reply. No booth runs it now. | This end date has passed (in the relay's time zone): saved, it ends the campaign now. The relay will stop counting scans at its booth ({scans} scans today) and visitors get the 'event ended' reply. | This end date has passed (in the relay's time zone): saved, it ends the campaign now. The relay will stop counting scans at its {n} booths ({scans} scans today) and visitors get the 'event ended' reply.",
      notStartedCounts:
        "The campaign's start date is still ahead (in the relay's time zone). The relay does not check the start date: scans before it, test scans while setting up included, count as usual.",
      explainLabel: '{phase}: what this means',
    },
    edit: 'Edit',
    back: '← All campaigns',
    missingTitle: 'Campaign not found',
    missing:
      'The relay has no such campaign: it may have been deleted, or the link is cut short or mistyped.',
    retryLoad: 'Try again',
    newTitle: 'New campaign',
    mode: { booth: 'Booth (scan to check in)', desk: 'Desk (check in from the roster)' },
    modeShort: { booth: 'Booth', desk: 'Desk' },
    sections: {
      basics: 'Basics',
      greetings: 'Greetings',
      reply: 'WeChat auto-reply',
      followUp: 'Follow-up',
      booths: 'Booths running this campaign',
      screens: 'Big screens',
      roster: 'Roster',
    },
    fields: {
      name: 'Campaign name',
      startsAt: 'Starts on',
      endsAt: 'Ends on',
      rotationSeconds: 'Code rotation (seconds)',
      ticketTtlSeconds: 'Code lifetime (seconds)',
      mode: 'Check-in mode',
      replySubscribe: 'Reply on follow',
      replyScan: 'Reply on scan (already following)',
      tag: 'WeChat user tag',
      followUp: 'Customer-service message after a scan',
      stamps: 'Stamp-rally booths',
      stampName: 'Name of booth {id} in the rally reply',
      stampProgress: 'Rally progress reply',
      stampComplete: 'Rally completed reply',
    },
    hints: {
      dates: 'Leave empty for no limit',
      rotation: '10–3600 s; the code changes this often even if nobody scans',
      ttl: '60 s to 30 days (2,592,000 s), and at least 30 s longer than the rotation',
      greetings:
        'You can use {number} (check-in number) and {name} (name: only registered guests have one, so it is filled in the “Registered guest” greeting only)',
      tag: 'Up to 30 bytes (10 Chinese characters); empty: no tag',
      followUp:
        "Up to 600 characters, and 2048 bytes once the name is filled in (a Chinese character is 3 bytes); empty: none sent. Visitors with no registered name get “嘉宾” for {'{name}'} on a line in Chinese, “Guest” on any other",
      followUpBytes: 'With the longest name: {n} / {max} bytes',
      stamps: 'A visitor completes the rally with a stamp from every booth picked; none: no rally',
      stampProgress:
        'Added to the reply of a rally booth’s scan; {count} stamps so far, {total} booths, {missing} the booths still to visit. Empty: the default. WeChat replies have no language: write it in the visitors’ language',
      stampComplete: 'Replaces the progress once every booth is stamped. Empty: the default',
      booths:
        'A booth runs one campaign at a time: picking it here moves it from its current campaign',
      stampsRevoked:
        'A revoked booth stamps no more, so while it stays in the rally nobody can complete it: untick {ids}',
      stampsElsewhere:
        '{ids} do not run this campaign, so scans there stamp nothing and while they stay in the rally nobody can complete it: pick them under “Booths running this campaign”, or untick them',
      noBooths: 'No booths yet: add them on the Booths page first',
      toBooths: 'Add a booth',
    },
    moreBooths: '+{n} more',
    moreBoothsLabel: '{name}: all {total} booths',
    pick: {
      find: 'Find a booth',
      placeholder: 'Booth ID or name, e.g. 137',
      onlyChosen: 'Chosen only',
      count: '{n} / {total} chosen',
      noMatch: 'No booth matches',
    },
    greetingKind: { first: 'First visit', returning: 'Returning', named: 'Registered guest' },
    preview: {
      title: 'Greeting screen preview',
      hint: 'As the booth’s screen shows it, updated as you type',
      language: 'Preview language',
      kind: 'Preview kind',
    },
    save: 'Save',
    create: 'Create campaign',
    saving: 'Saving…',
    saved: 'Saved; on its way to the booths',
    savedNoBooths: 'Saved (no booths chosen yet)',
    fixFirst: 'Fix the fields marked first',
    fixFirstShown: 'Fix the fields marked first: the first one is now on screen',
    fixUnmarked:
      'Not saved: something in “{field}” is not valid and no field here can mark it; check it and save again',
    unsaved: 'Unsaved changes',
    changedElsewhereBar:
      'Someone else saved this campaign first, so yours was not saved: choose a version at the top of the page',
    conflict: 'Someone else changed this campaign: reload the page, then edit again',
    changedElsewhere:
      'Someone else saved this campaign after you opened it, so your edits were not saved. They are still in the form below.',
    newerElsewhere:
      'Someone else saved changes to this campaign after you opened it (this page noticed at {time}). Your form is as you left it and nothing of yours is saved yet: choose which version to go on from.',
    keepMine: 'Keep my edits (Save then replaces their version)',
    loadTheirs: 'Load their version',
    editsKept: 'Showing their version. Your edits are kept:',
    restoreMine: 'Put my edits back',
    discardMine: 'Discard my edits',
    draftOffer: 'You have unsaved edits from {time}. The form below shows the saved version.',
    draftRestore: 'Restore my unsaved edits',
    draftDiscard: 'Discard',
    rallyCompleted: 'Completed the stamp rally so far: {n}',
    boothsFailed: 'The campaign was saved, but some booths could not be assigned: {error}',
    boothsChanged:
      'The campaign was saved, but someone else reassigned a booth after you opened it, so that booth was not changed. The booths below are as they are now: check them and save again.',
    errors: {
      name: 'Enter a campaign name (up to 80 characters)',
      date: 'Enter a whole date, or leave it empty',
      endsBeforeStart: 'The end date cannot be before the start date',
      rotationSeconds: 'Enter a whole number from 10 to 3600',
      ticketTtlSeconds: 'Enter a whole number from 60 to 2592000',
      ticketTtlShort:
        'The code lifetime must be at least 30 seconds longer than the rotation, or visitors scan a code that has already expired',
      greeting: 'Enter a greeting (up to 200 characters)',
      placeholder: "Greetings can only use {'{name}'} and {'{number}'}",
      braces: "A brace is not paired: a placeholder such as {'{name}'} has one brace each side",
      greetingNoName:
        "Only a registered guest's greeting can use {'{name}'}: other visitors have no name, so it would show as a gap",
      stampPlaceholder:
        "The progress reply can only use {'{count}'}, {'{total}'} and {'{missing}'}",
      followUpPlaceholder: "The follow-up message can only use {'{name}'} and {'{number}'}",
      notFilledIn:
        "Nothing is filled in here: write {'{name}'}, {'{number}'} or {'{count}'} out as visitors should read it",
      reply: 'A reply is at most 600 characters (empty: no reply)',
      tag: 'A tag has at most 30 bytes: 30 Latin letters or 10 Chinese characters',
      followUp: 'The message has at most 600 characters',
      followUpBytes:
        "Too long for WeChat: at most 2048 bytes once filled in (a Chinese character is 3 bytes, each {'{name}'} counts as the longest name, 300)",
      stamps: 'Pick at most 50 booths',
      stampsInvalid:
        'A stamp-rally booth ID is not valid or is picked twice: tick the booths again',
      stampName: 'A booth name has at most 20 characters',
      controlChars:
        'Cannot hold control characters (a line break copied from Word is one) or broken characters: delete them and type again',
      lineChars:
        'One line only, without control characters (such as line breaks and tabs) or text-direction controls: delete them and type again',
      textChars:
        'Cannot hold control characters other than line breaks (a tab is one) or text-direction controls: delete them and type again',
      invalid: 'Not valid',
    },
    followUp: {
      title: 'After the scan',
      hint: 'Visitors tagged in WeChat and follow-up messages sent, updated every few seconds.',
      tagged: 'Tagged',
      pending: 'Waiting to be tagged',
      failed: 'Not tagged',
      retagged: 'Tagged again (harmless)',
      sent: 'Follow-ups sent',
      messagePending: 'Follow-ups waiting to go out',
      outsideWindow: 'Outside the window',
      messageFailed: 'Follow-ups failed',
      failures: 'Why not',
      none: 'Nothing went wrong.',
      what: { tag: 'Tag', message: 'Follow-up' },
      reasons: FOLLOW_UP_REASONS_EN,
    },
    screenKey: {
      title: 'Big-screen links',
      hint: 'The sign-in wall and the draw stage are read-only screens opened with the key, without signing in: open a link in the browser of the venue’s big screen and go full-screen (F11); add &lang=en for English. The wall shows how many visitors checked in and the newest of them (their roster name, else “来宾 #number”), and catches up by itself after a network drop; the second wall link hides part of each name (王*明, Maximilian F.), for a campaign whose guests did not agree to see their names up in public. A new key cuts screens on the old links within seconds.',
      key: 'Key',
      wall: 'Sign-in wall',
      namesHidden: '(names partly hidden)',
      namesFull: '(full names)',
      draw: 'Draw stage',
      rotate: 'New key',
      rotating: 'Changing…',
      confirm: 'The old links stop working at once. Change the key?',
      replacedElsewhere:
        'Someone else changed the key while this page was open: the links below are the new ones, and links copied before no longer work.',
    },
    roster: {
      hint: 'A CSV or XLSX file (up to 10 MB) with the columns the booth import takes: name, company, phone, code. It replaces the roster and goes to this campaign’s booths.',
      template: 'Download roster template (CSV)',
      templateFile: 'roster-template.csv',
      saveFirst: 'Save the campaign first, then upload its roster',
      choose: 'Upload roster file',
      uploading: 'Uploading…',
      /** {percent} 45%, {sent} / {total} in {unit} (MB or KB). */
      // Every file goes out twice (checked, then stored): which pass; stored alone after a
      // confirmation: none.
      progress: {
        check: 'Step 1 of 2: checking the file {percent} ({sent} / {total} {unit})',
        store: 'Step 2 of 2: uploading {percent} ({sent} / {total} {unit})',
        storeOnly: 'Uploading {percent} ({sent} / {total} {unit})',
      },
      /** The file all sent, the relay reading it. */
      processing: {
        check: 'Step 1 of 2: checking the file…',
        store: 'Step 2 of 2: processing…',
        storeOnly: 'Processing…',
      },
      cancel: 'Cancel upload',
      cancelled: 'Upload cancelled; the roster is unchanged',
      badFormat: 'Only .csv or .xlsx files',
      tooLarge: 'File too large (10 MB at most)',
      /** A roster's size, for {guests} below: 1 guest, 2 guests. */
      guests: '{n} guest | {n} guests',
      // By the rows left out: none (nothing to say), one, more.
      stored:
        'Roster updated: {guests} | Roster updated: {guests}, {skipped} row with problems left out | Roster updated: {guests}, {skipped} rows with problems left out',
      refused:
        'Roster not imported: the rows below have problems, and the roster is unchanged. Fix them and upload again, or leave them out.',
      refusedFile:
        'Roster not imported: the file itself cannot be imported (see below), and the roster is unchanged. Fix the file and upload it again.',
      skipBad: 'Leave out the rows with problems and import the rest',
      conflict:
        '“{file}” was not uploaded: someone else replaced this campaign’s roster after you opened this page. Their roster is shown below ({guests}).',
      uploadAnyway: 'Upload my file anyway (replacing theirs)',
      keepTheirs: 'Keep their roster',
      emptyFile: 'The file has no roster rows: uploading it will empty this campaign’s roster',
      emptyCounts: 'Roster rows in the file: {file}. Current roster it would replace: {guests}.',
      emptyConfirm: 'Upload anyway (empty the roster)',
      emptyCancel: 'Cancel, keep the current roster',
      dropCheckedIn:
        '{n} guest who already checked in is not in this file | {n} guests who already checked in are not in this file',
      dropAll: 'None of the current roster’s guests is in this file',
      dropCounts:
        'Guests in the file: {file}. Current roster: {guests}, {kept} of them in the file (the same code, else, for guests without one, the same name and phone: a file saved without its code column, or without its phone column when the guests have no code, matches nobody).',
      dropUndo:
        'Their check-ins stay, but without their names (booth greetings, big screen, sheet, roster-only draws) until a roster with them is uploaded again.',
      dropConfirm: 'Upload anyway (replace the roster)',
      problemsTitle: 'Rows with problems',
      row: 'Row',
      column: 'Column',
      problem: 'Problem',
      fileProblem: 'File',
      empty: 'The roster is empty',
      columns: { name: 'Name', company: 'Company', phone: 'Phone', code: 'Code', openid: 'WeChat' },
      fields: { name: 'Name', company: 'Company', phone: 'Phone', code: 'Code' },
      bound: 'Bound',
      showPhones: 'Show full phone numbers',
      range: '{from}–{to} of {total}',
      prev: 'Previous',
      next: 'Next',
      /** The door list on paper: the whole roster sorted by name, a box to tick each guest. */
      print: {
        button: 'Print door list',
        preparing: 'Preparing the door list…',
        title: '{campaign}: door list',
        /** {guests}: "300 guests"; {time}: when it was printed. */
        meta: '{guests}, the whole roster, sorted by name. Printed {time}.',
        phonesMasked: 'Phone numbers masked, as on screen.',
        phonesFull: 'Full phone numbers shown.',
        tick: 'Here',
        changed:
          'The roster kept changing while it was read (someone is uploading one): try printing again in a moment',
      },
      problems: rosterProblemMessages['en'],
      files: rosterFileMessages['en'],
    },
    draws: {
      timeZone: 'Times in the relay’s time zone, {zone}, as in the downloaded winners sheet',
      timesIn: 'Times in {zone}',
      title: 'Lucky draws',
      hint: 'The relay draws the winners with a cryptographic random generator among the visitors checked in to this campaign on any of its days (not only today; excluding previous winners leaves out earlier days’ winners too), and stores the result before the draw screen plays it.',
      saveFirst: 'Save the campaign to hold draws',
      prize: 'Prize',
      prizePlaceholder: 'e.g. First prize',
      count: 'Winners',
      excludeWinners: 'Exclude previous winners',
      rosterOnly: 'Roster guests only',
      start: 'Draw',
      needPrize: 'Name the prize to draw',
      prizeChars: 'The prize cannot hold control characters or text-direction controls',
      needCount: 'Winners must be a whole number from 1 to {max}',
      drawing: 'Drawing…',
      empty: 'No draws yet',
      tooFew: 'Not enough eligible visitors for that many winners',
      tooFewCount:
        'Only {n} eligible visitor: not enough for that many winners | Only {n} eligible visitors: not enough for that many winners',
      noneEligible:
        'No eligible visitors: a draw picks from visitors who scanned at this campaign’s booths, and none has yet (or all have won, or are not on the roster).',
      alreadyReplaced:
        '{who} was already replaced (perhaps by another organizer just now); the list is up to date',
      notCurrentWinner:
        '{who} was already replaced or is not a current winner of this draw; the list is up to date',
      by: '{at} · by {organizer} · {eligible} eligible',
      guest: 'Guest #{number}',
      replaced: 'replaced',
      redraw: 'Redraw',
      redrawConfirm: 'Replace {who} (absent) with a new winner?',
      againConfirm:
        '“{prize}” was drawn already (rounds: {rounds}, winners: {winners}; latest {at} by {organizer}). Another round draws new winners and plays them on the draw screen.',
      again: 'Draw {count} more',
      drawnNews: '“{prize}” drawn: {n} winner, below | “{prize}” drawn: {n} winners, listed below',
      drawnMeanwhile:
        'Another organizer just drew “{prize}” (below); nothing was drawn now. Press again to draw another round',
      drawnAnswerLost:
        'The connection dropped, but this round of “{prize}” was drawn and saved (below) and plays on the draw screen; no need to draw again',
      lostNotDrawn: '{error}. The draws were read again: this round is not among them',
      lostMaybeDrawn:
        '{error}. This round may have been drawn: once connected, check the list below before drawing again',
      redrawnAnswerLost:
        'The connection dropped, but the redraw was made: {who} was replaced (below) and the draw screen plays the new winner',
      redrawLostNotDone:
        '{error}. The draws were read again: {who} still stands, nothing was redrawn',
      showOpenids: 'Show full OpenIDs',
      export: 'Winners',
      record: 'Draw record (JSON)',
      poolHash: 'pool SHA-256 {hash}…',
      recordTitle:
        'What shows the draw was fair: its time, organizer, pool size, pool SHA-256 {hash} and random bytes, re-checked against the attendance export',
      rules: { excludeWinners: 'previous winners excluded', rosterOnly: 'roster guests only' },
    },
  },
  date: dateMessages['en'],
  language: {
    label: 'Language',
    /** Between the items of a list in running text (booth ids). */
    listSeparator: ', ',
  },
  errors: {
    unauthorized: 'Your session ended; sign in again',
    ambiguous_session:
      'Several sessions were found in this browser; all were signed out. Please sign in again (if this keeps happening, clear this site’s cookies)',
    forbidden:
      "The relay refused this request as coming from another site; nothing was saved. Open the console at the relay's own address; if you already did, ask whoever runs the relay to check that the reverse proxy passes Host on",
    locked_out: 'Too many failed attempts. Try again later',
    bad_request: 'Something in the input is wrong; check it and try again',
    not_found:
      'The relay no longer has this (it may have been deleted or revoked). Reload the page and try again',
    conflict:
      'This clashes with what the relay already has; nothing was saved. Reload the page to see the latest, then try again',
    drawn_meanwhile:
      'Someone else drew this prize just now; nothing was drawn. Reload the page to see it',
    precondition_failed: 'Someone else changed this in the meantime; nothing was saved',
    gone: 'This is no longer valid. Reload the page and try again',
    rate_limited: 'Too many requests; try again shortly',
    method_not_allowed: 'The relay does not take this request here',
    too_large:
      'This is larger than the relay (or the proxy in front of it) accepts; nothing was saved. Make it smaller and try again, or ask whoever runs the relay to raise the upload limit',
    internal: 'The server failed; try again shortly',
    network: 'Cannot reach the relay server; check the network',
    cancelled: 'Upload cancelled; the roster is unchanged',
    too_slow:
      'The network was too slow: the relay stopped waiting for the rest and nothing was saved. Try again on a better connection',
    bad_response: 'The relay server sent something this console does not understand',
    downloadFailed: 'The download did not start: {reason}',
    inWeChat:
      'In WeChat, downloads may not start (Android) or only preview (iPhone). Tap ⋯ at the top right, choose “Open in browser”, sign in there and download.',
    inWeChatDesktop:
      'In the WeChat or WeCom window on a computer, downloads may not start. Click the button at the top of that window that opens the page in your default browser, sign in there and download.',
    storeRefusedWrite:
      "The relay's store refused it ({cause}): nothing was saved. Retrying will not help until that is fixed; tell whoever runs the relay",
    storeRefusedRead:
      "The relay's store could not be read ({cause}). Retrying will not help until that is fixed; tell whoever runs the relay",
    storeCause: {
      locked: 'its database is locked',
      full: 'its database or disk is full',
      readOnly: 'it is read-only',
      auth: "it refused the relay's credentials",
      outOfMemory: 'it is out of memory',
      cannotSave: 'it cannot save to disk',
      unreachable: 'it cannot be reached',
      slow: 'it did not answer in time',
    },
  },
}

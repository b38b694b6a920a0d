// The relay's HTTP helpers are the server kit's (shared/server): re-exported under the names
// relay modules have always imported.
export {
  BadJsonError,
  BodyAbortedError,
  BodyError,
  BodyTimeoutError,
  BodyTooLargeError,
  type BodyPace,
  answerBodyError,
  closeAfterResponse,
  closeIfBodyUnread,
  continueOnlyWhenRead,
  heartbeatMessage,
  holdIdleUntilAnswered,
  paceBody,
  readBody,
  readJson,
  sendApiError,
  sendBodyError,
  sendEvent,
  sendJson,
  sendText,
} from '../shared/server'

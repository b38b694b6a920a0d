// Node-only: the renderer must never import this (see eslint.config.js).
export * from './errors'
export * from './failure'
export * from './signature'
export * from './crypto'
// The fast and full readers stay internal: tests import them from ./xml-read directly.
export { MAX_PUSH_BYTES, readXmlFields, type XmlFields } from './xml-read'
export * from './push'
export * from './reply'
export * from './qrcode'
export * from './token-store'
export * from './http'
export * from './client'
export * from './quota-day'

// The server kit: what the relay, the kiosk's web mode and the sandbox share for node:http
// (bodies with a size limit and typed errors, answers, a route table), the SQLite migration
// runner and the logger. Node-only: the renderer never imports it (eslint.config.js).
export * from './body'
export * from './respond'
export * from './routes'
export * from './log'
export * from './migrate'

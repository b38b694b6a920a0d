/**
 * Imported first by both pages (console, big screens): what their code and libraries call that
 * the oldest browsers they support lack (docs/DEPLOY.md "11. Browsers for the console and the
 * big screens"). Object.hasOwn (Chrome 93, Safari 15.4) is Pinia's and shared/'s; it is added
 * only where missing, with the same meaning.
 */
if (typeof Object.hasOwn !== 'function') {
  Object.defineProperty(Object, 'hasOwn', {
    value: (o: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(o, key),
    configurable: true,
    writable: true,
  })
}

export {}

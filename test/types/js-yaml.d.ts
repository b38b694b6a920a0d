// js-yaml ships no types; the tests only parse (compose.yaml) and check the result with zod.
declare module 'js-yaml' {
  export function load(text: string): unknown
}

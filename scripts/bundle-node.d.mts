/** Types of scripts/bundle-node.mjs for the bench that bundles with its settings (bench/child.ts). */
import type { BuildOptions } from 'esbuild'

export declare const NODE_BUNDLE_BASE: Pick<
  BuildOptions,
  'bundle' | 'format' | 'platform' | 'target' | 'banner'
>

export declare function bundleNodeProgram(o: {
  name: string
  entry: string
  defaultOutdir: string
  external: string[]
}): Promise<string>

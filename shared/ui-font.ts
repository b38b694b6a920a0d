/**
 * The CJK-first font stack of the kiosk and the console (`--font-ui` in their CSS), for text
 * drawn on canvas (charts), which does not inherit CSS fonts.
 */
export const UI_FONT =
  "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', system-ui, sans-serif, 'Apple Color Emoji', 'Segoe UI Emoji', 'Noto Color Emoji'"

/** Same stack as `--font-ui` in base.css, for text drawn on canvas (charts). */
export const UI_FONT =
  "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', system-ui, sans-serif"

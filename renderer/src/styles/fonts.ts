/** Same stack as `--font-ui` in base.css, for text drawn on canvas (charts). */
export { UI_FONT } from '../../../shared/ui-font'

import { onMounted, onUnmounted } from 'vue'

/**
 * A file dropped on the page (a roster dragged from the desktop onto the admin area) is opened
 * by a browser in the page's place: the kiosk page was gone (web mode; Electron's window has
 * navigateOnDragDrop off). While mounted, the page takes every drop but a file field's, and
 * text (no file) dragged into a text field: a word moved from one field to another goes in.
 */
export function useKeepDrops(): void {
  function keep(event: DragEvent): void {
    const target = event.target
    if (target instanceof HTMLInputElement && target.type === 'file') return
    const files = event.dataTransfer?.types.includes('Files') ?? false
    if (!files && takesText(target)) return
    event.preventDefault()
    if (event.dataTransfer !== null) event.dataTransfer.dropEffect = 'none'
  }
  onMounted(() => {
    window.addEventListener('dragover', keep)
    window.addEventListener('drop', keep)
  })
  onUnmounted(() => {
    window.removeEventListener('dragover', keep)
    window.removeEventListener('drop', keep)
  })
}

/** Input types a dragged text goes into. */
const TEXT_INPUTS = new Set(['text', 'search', 'tel', 'url', 'email', 'password', 'number'])

/** A field that takes dropped text in its own place (a browser goes nowhere for it). */
function takesText(target: EventTarget | null): boolean {
  if (target instanceof HTMLTextAreaElement) return true
  if (target instanceof HTMLInputElement) return TEXT_INPUTS.has(target.type)
  return target instanceof HTMLElement && target.isContentEditable
}

import { onMounted, onUnmounted } from 'vue'

/**
 * A file dropped on the page (a roster dragged from the desktop onto the admin area) is opened
 * by a browser in the page's place: the kiosk page was gone (web mode; Electron's window has
 * navigateOnDragDrop off). While mounted, the page takes every drop but a file field's.
 */
export function useKeepDrops(): void {
  function keep(event: DragEvent): void {
    const target = event.target
    if (target instanceof HTMLInputElement && target.type === 'file') return
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

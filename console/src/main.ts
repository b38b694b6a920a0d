/** The organizer's console: API client, i18n and Pinia, then the app. */
import './old-browsers'
import './zod-config'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { I18nInjectionKey } from 'vue-i18n'
import App from './App.vue'
import { consoleApiKey } from './api/api-key'
import { createConsoleApi } from './api/client'
import { createConsoleI18n } from './i18n/index'
import { useSessionStore } from './stores/session'
import '../../shared/ui/visually-hidden.css'
import './styles/console.css'

const i18n = createConsoleI18n()
const pinia = createPinia()
const api = createConsoleApi({ onUnauthorized: (e) => useSessionStore(pinia).expire(e) })

createApp(App)
  .provide(consoleApiKey, api)
  .provide(I18nInjectionKey, i18n)
  .use(i18n)
  .use(pinia)
  .mount('#app')

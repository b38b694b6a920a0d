import { createPinia } from 'pinia'
import { createApp } from 'vue'
import { I18nInjectionKey } from 'vue-i18n'
import App from './App.vue'
import { kioskApiKey } from './bridge/api-key'
import { resolveKioskApi } from './bridge/index'
import { createKioskI18n } from './i18n/index'
import '../../shared/ui/visually-hidden.css'
import './styles/base.css'

const i18n = createKioskI18n()

createApp(App)
  .provide(kioskApiKey, resolveKioskApi())
  // The locale store switches languages through this instance (vue-i18n's documented key).
  .provide(I18nInjectionKey, i18n)
  .use(i18n)
  .use(createPinia())
  .mount('#app')

/** The big screens (sign-in wall, draw stage): read-only pages the relay serves at /screen/. */
import '../old-browsers'
import '../zod-config'
import { createApp } from 'vue'
import ScreenApp from './ScreenApp.vue'
import './screen.css'

createApp(ScreenApp).mount('#screen')

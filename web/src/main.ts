// Element Plus components (ElButton, ElForm, ...) are imported where templates use them, with
// their CSS, by unplugin-vue-components (vite.config.ts): do not import them by hand.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { configure } from './api/http'
import { useSession } from './stores/session'
import './styles/theme.css'

const app = createApp(App)
app.use(createPinia())
const session = useSession()
configure({
  token: () => session.token,
  unauthorized: () => { session.signOut(); router.push({ path: '/sign-in', query: { expired: '1' } }) },
})
app.use(router)
app.mount('#app')

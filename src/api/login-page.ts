/**
 * A plain sign-in page for browsers sent here by the proxy (`/login?next=…`). The dashboard
 * replaces it; until then it is what a person sees before their sandbox.
 */
import type { App } from './types.js';

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · Shiva</title>
<style>
body{font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:100vh;margin:0;background:#f5f5f7;color:#1d1d1f}
form{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0002;display:grid;gap:.75rem;width:min(20rem,90vw)}
label{display:grid;gap:.25rem;font-size:.9rem}input{font:inherit;padding:.5rem;border:1px solid #888;border-radius:6px}
button{font:inherit;padding:.6rem;border:0;border-radius:6px;background:#3949ab;color:#fff;cursor:pointer}
p[role=alert]{color:#b00020;margin:0;min-height:1.2em}
</style></head><body>
<form id="f"><h1>Shiva</h1>
<label>Username<input name="username" autocomplete="username" required autofocus></label>
<label>Password<input name="password" type="password" autocomplete="current-password" required></label>
<p role="alert" id="e"></p><button>Sign in</button></form>
<script>
const f=document.getElementById('f'),e=document.getElementById('e');
f.addEventListener('submit',async(ev)=>{ev.preventDefault();e.textContent='';
const r=await fetch('/api/auth/login',{method:'POST',headers:{'content-type':'application/json'},
body:JSON.stringify({username:f.username.value,password:f.password.value})});
if(!r.ok){const b=await r.json().catch(()=>null);e.textContent=b?.error?.message??'Sign-in failed.';return;}
const next=new URLSearchParams(location.search).get('next')||'/';
location.assign(next.startsWith('/')&&!next.startsWith('//')?next:'/');});
</script></body></html>`;

export async function loginPage(app: App): Promise<void> {
  app.get('/login', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page),
  );
}

/**
 * A plain page at `/` until the dashboard arrives: your sandboxes with Open and Stop, and
 * Launch with live progress from the events stream. It uses only the public API.
 */
import type { App } from './types.js';

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Shiva</title>
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1d1d1f}
header{display:flex;justify-content:space-between;align-items:center}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #ddd}
form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}label{display:grid;font-size:.85rem;gap:.2rem}
input,select,button{font:inherit;padding:.4rem}button{cursor:pointer}
#progress{white-space:pre-wrap;font-family:ui-monospace,monospace;background:#f5f5f7;padding:.5rem;min-height:1.5em}
</style></head><body>
<header><h1>Shiva</h1><span><span id="who"></span> <button id="logout">Sign out</button></span></header>
<h2>My sandboxes</h2>
<table><thead><tr><th>Name</th><th>State</th><th>Image</th><th>Machine</th><th>CPUs</th><th>Memory</th><th>Since</th><th></th></tr></thead>
<tbody id="rows"></tbody></table>
<h2>Launch my container</h2>
<form id="launch">
<label>Name<input name="name" placeholder="main" pattern="[a-z]([a-z0-9-]{0,30}[a-z0-9])?"></label>
<label>Image<select name="image" id="images"></select></label>
<label>CPUs<input name="cpus" type="number" step="0.5" min="0.5" id="cpus"></label>
<label>Memory (GiB)<input name="memoryGiB" type="number" step="0.5" min="0.5" id="mem"></label>
<button>Launch my container</button></form>
<p id="progress" role="status" aria-live="polite"></p>
<script>
const $=(id)=>document.getElementById(id);
async function api(method,path,body){
  const r=await fetch(path,{method,headers:body?{'content-type':'application/json'}:{},body:body?JSON.stringify(body):undefined});
  if(r.status===401){location.assign('/login?next='+encodeURIComponent(location.pathname));throw new Error('signed out');}
  const b=r.status===204?null:await r.json();if(!r.ok)throw new Error(b.error.message);return b;}
function cell(tr,text){const td=document.createElement('td');td.textContent=text;tr.appendChild(td);return td;}
async function refresh(){
  const list=await api('GET','/api/sandboxes');const rows=$('rows');rows.replaceChildren();
  for(const s of list){const tr=document.createElement('tr');
    [s.name,s.state,s.image,s.machine,String(s.cpus),s.memoryGiB+' GiB',new Date(s.startedAt??s.createdAt).toLocaleString()].forEach((t)=>cell(tr,t));
    const td=cell(tr,'');
    if(s.state==='running'){const a=document.createElement('a');a.href=s.url;a.target='_blank';a.rel='noopener';a.textContent='Open';td.append(a,' ');}
    const stop=document.createElement('button');stop.textContent='Stop';
    stop.onclick=async()=>{if(confirm('Stop '+s.name+'? Its home directory stays.')){await api('DELETE','/api/sandboxes/'+s.id);refresh();}};
    td.append(stop);rows.appendChild(tr);}
  if(!list.length){const tr=document.createElement('tr');cell(tr,'No sandboxes yet.').colSpan=8;rows.appendChild(tr);}}
async function init(){
  const me=await api('GET','/api/me');$('who').textContent=me.user.username;
  $('cpus').value=me.limits.defaults.cpus;$('cpus').max=me.limits.max.cpus;
  $('mem').value=me.limits.defaults.memoryGiB;$('mem').max=me.limits.max.memoryGiB;
  for(const i of await api('GET','/api/images')){const o=new Option(i.name+' - '+i.description,i.name,i.default,i.default);$('images').add(o);}
  await refresh();}
$('launch').onsubmit=async(ev)=>{ev.preventDefault();const f=new FormData(ev.target);const p=$('progress');
  const body={image:f.get('image'),cpus:Number(f.get('cpus')),memoryGiB:Number(f.get('memoryGiB'))};if(f.get('name'))body.name=f.get('name');
  try{const s=await api('POST','/api/sandboxes',body);p.textContent='';refresh();
    const es=new EventSource('/api/sandboxes/'+s.id+'/events');
    es.onmessage=es.onerror=null;
    for(const st of ['queued','pulling','creating','starting','waiting','running','failed','stopping','stopped'])
      es.addEventListener(st,(e)=>{const d=JSON.parse(e.data);p.textContent+=d.state+(d.percent!=null?' '+Math.round(d.percent)+'%':'')+': '+d.message+'\\n';
        if(['running','failed','stopped'].includes(d.state)){es.close();refresh();if(d.state==='running')p.textContent+='Ready: '+s.url+'\\n';}});
  }catch(e){p.textContent=e.message;}};
$('logout').onclick=async()=>{await api('POST','/api/auth/logout');location.assign('/login');};
init().catch((e)=>{$('progress').textContent=e.message;});
</script></body></html>`;

export async function homePage(app: App): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page),
  );
}

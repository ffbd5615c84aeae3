// Shiva: the idle-stop notice of the classic notebook's pages (docs/culling.md). Notebook 6 loads
// <base>custom/custom.js on every page; this one asks the hub, on the sandbox's own origin, whether
// a stop has been announced (GET <base>shiva/idle-stop, answered by the hub's proxy for the owner,
// never by Jupyter, and not counted as activity) and shows a bar with the stop time and a Keep it
// running button (POST <base>shiva/keep). A custom.js in the user's ~/.jupyter/custom replaces
// this one, as Jupyter intends.
(function () {
  'use strict';
  var POLL_MS = 15000;
  var body = document.body;
  var base = decodeURIComponent((body && body.getAttribute('data-base-url')) || '/');
  if (base.charAt(base.length - 1) !== '/') base += '/';
  var bar = null;
  var shown = null;

  function clock(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  // Seconds under 2 minutes, as the hub's own messages count: "in 0 min" with 20 s left says nothing.
  function timeLeft(iso) {
    var ms = Math.max(0, Date.parse(iso) - Date.now());
    return ms < 120000 ? Math.round(ms / 1000) + ' s' : Math.round(ms / 60000) + ' min';
  }

  function text(stop) {
    var when = clock(stop.at) + ' (in ' + timeLeft(stop.at) + ')';
    if (stop.reason === 'max_age') {
      return 'This sandbox reaches its maximum age: it stops at ' + when + ' whatever happens. Your home stays.';
    }
    var why = stop.reason === 'gpu_idle' ? 'holds GPUs and has been idle' : 'has been idle';
    return 'This sandbox ' + why + ': it stops at ' + when + ' unless you use it. Your home stays.';
  }

  function hide() {
    if (bar && bar.parentNode) bar.parentNode.removeChild(bar);
    bar = null;
    shown = null;
  }

  function show(stop) {
    if (!bar) {
      bar = document.createElement('div');
      bar.id = 'shiva-idle-stop';
      bar.setAttribute('role', 'alert');
      bar.style.cssText =
        'position:fixed;top:0;left:0;right:0;z-index:10000;padding:8px 16px;background:#fff4e5;color:#663c00;' +
        'border-bottom:1px solid #ffb74d;font:14px sans-serif;display:flex;gap:12px;align-items:center;justify-content:center';
      body.appendChild(bar);
    }
    shown = stop;
    bar.textContent = '';
    var message = document.createElement('span');
    message.textContent = text(stop);
    bar.appendChild(message);
    if (stop.reason !== 'max_age') {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn btn-default btn-xs';
      button.textContent = 'Keep it running';
      button.onclick = keep;
      bar.appendChild(button);
    }
  }

  function answer(response) {
    return response.ok ? response.json() : null;
  }

  function render(reply) {
    if (reply && reply.idleStop) show(reply.idleStop);
    else hide();
  }

  function poll() {
    fetch(base + 'shiva/idle-stop', { credentials: 'same-origin', cache: 'no-store' })
      .then(answer)
      .then(render, function () {});
  }

  function keep() {
    fetch(base + 'shiva/keep', { method: 'POST', credentials: 'same-origin', cache: 'no-store' })
      .then(answer)
      .then(render, function () {});
  }

  if (!body || typeof fetch !== 'function') return;
  poll();
  setInterval(poll, POLL_MS);
  // The minutes left count down between polls.
  setInterval(function () {
    if (shown) show(shown);
  }, 30000);
})();

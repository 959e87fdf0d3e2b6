// Asks before a form marked data-confirm is sent (a delete). The console
// works without this script; it only adds the question.
document.addEventListener('submit', function (e) {
  var msg = e.target.getAttribute && e.target.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});

// A table with data-poll follows its source: every few seconds it asks
// for the host's servers (JSON) and redraws its rows, text only.
(function () {
  var table = document.querySelector('table[data-poll]');
  if (!table || !window.fetch) {
    return;
  }
  var body = table.querySelector('tbody');
  var url = table.getAttribute('data-poll');
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function when(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()) + ' UTC';
  }
  function cell(row, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) { td.className = cls; }
    row.appendChild(td);
    return td;
  }
  function draw(data) {
    var rows = document.createDocumentFragment();
    (data.servers || []).forEach(function (s) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-test', 'server-row');
      tr.setAttribute('data-server', s.serverId);
      tr.setAttribute('data-alive', String(s.alive));
      cell(tr, s.serverId, 'name');
      cell(tr, s.host + (s.port ? ':' + s.port : ''));
      cell(tr, when(s.hb));
      cell(tr, s.alive ? 'alive' : 'stale', s.alive ? 'alive' : 'stale').setAttribute('data-test', 'server-state');
      rows.appendChild(tr);
    });
    if (!rows.childNodes.length) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-test', 'no-servers');
      cell(tr, 'No servers.').colSpan = 4;
      rows.appendChild(tr);
    }
    body.replaceChildren(rows);
  }
  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { draw(data); } })
      .catch(function () {})
      .finally(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 3000);
})();

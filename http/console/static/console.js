// Asks before a form marked data-confirm is sent (a delete). The console
// works without this script; it only adds the question.
document.addEventListener('submit', function (e) {
  var msg = e.target.getAttribute && e.target.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});

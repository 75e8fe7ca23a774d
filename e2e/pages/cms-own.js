// The CMS page's own script: LocalRank must never stop it or change what it built.
window.__ownScriptRan = true;
const note = document.createElement('p');
note.id = 'own-widget';
note.textContent = 'Free delivery this week';
document.getElementById('site-header').append(note);

// Addresses the web-view opens on the store's own host. The mini program never puts its bearer token in
// a URL: the web-view gets a one-time hand-off ticket (valid 60 s), which the store exchanges for its
// cookie session before redirecting to the page itself.

const { trimSlash } = require('./config.js');

// A path on the store, or '/' for anything that could leave it (another host, a scheme, backslashes,
// control characters).
function safePath(path) {
  const value = String(path || '');
  if (!value.startsWith('/') || value.startsWith('//') || value.indexOf('\\') !== -1) return '/';
  if (/[\u0000-\u001f\u007f]/.test(value) || value.length > 1000) return '/';
  return value;
}

function handoffUrl(storeUrl, ticket, path) {
  const query = 'ticket=' + encodeURIComponent(ticket) + '&next=' + encodeURIComponent(safePath(path));
  return trimSlash(storeUrl) + '/account/app-handoff?' + query;
}

// Without a ticket (the login failed: a guest) the web-view opens the page itself.
function webviewUrl(storeUrl, ticket, path) {
  return ticket ? handoffUrl(storeUrl, ticket, path) : trimSlash(storeUrl) + safePath(path);
}

module.exports = { safePath, handoffUrl, webviewUrl };

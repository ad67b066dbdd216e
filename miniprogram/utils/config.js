// The store this copy of the template is: read from the ext config the platform commits with the code
// (wx.getExtConfigSync(); ext.json in WeChat DevTools). Pure functions, so node can test them.

function trimSlash(url) {
  return String(url || '').replace(/\/+$/, '');
}

function isWebBase(url) {
  return /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(url);
}

// ext: the object wx.getExtConfigSync() returns; appid: wx.getAccountInfoSync().miniProgram.appId.
function readStore(ext, appid) {
  const data = ext || {};
  const store = {
    store: String(data.storeSlug || ''),
    storeName: String(data.storeName || ''),
    apiBase: trimSlash(data.apiBase),
    storeUrl: trimSlash(data.storeUrl),
    appid: String(appid || data.appid || ''),
  };
  const problems = [];
  if (!/^[a-z0-9](-?[a-z0-9])+$/.test(store.store)) problems.push('store');
  if (!isWebBase(store.apiBase)) problems.push('apiBase');
  if (!isWebBase(store.storeUrl)) problems.push('storeUrl');
  if (!/^wx[0-9A-Za-z]{6,30}$/.test(store.appid)) problems.push('appid');
  store.problems = problems;
  return store;
}

module.exports = { readStore, trimSlash, isWebBase };

// The behaviour shared by the tab pages that show the store's web pages in a web-view.

const api = require('./api.js');
const { webviewUrl, safePath } = require('./url.js');

function webviewPage(defaultPath) {
  return {
    data: { url: '' },
    onLoad(options) {
      this.path = safePath(options && options.path ? decodeURIComponent(options.path) : defaultPath);
      this.open();
    },
    open() {
      const app = getApp();
      const store = app.globalData.store;
      if (store.problems.length) {
        wx.redirectTo({ url: '/pages/login/login?problem=' + store.problems.join(',') });
        return;
      }
      app.ready()
        .then(() => api.call(store, 'POST', '/api/mp/web-session'))
        .then((answer) => this.setData({ url: webviewUrl(store.storeUrl, answer.ticket, this.path) }))
        .catch(() => wx.navigateTo({ url: '/pages/login/login' }));
    },
    onShareAppMessage() {
      return { title: getApp().globalData.store.storeName, path: '/pages/index/index' };
    },
  };
}

module.exports = { webviewPage };

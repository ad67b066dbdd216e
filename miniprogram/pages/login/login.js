// The native login page: shown when the silent login did not work (network, a store not connected yet).
// wx.login needs no tap; the button only retries.

const api = require('../../utils/api.js');

Page({
  data: { busy: false, error: '', problem: '', storeName: '' },

  onLoad(options) {
    const store = getApp().globalData.store;
    this.setData({ storeName: store.storeName, problem: (options && options.problem) || store.problems.join(',') });
  },

  logIn() {
    const store = getApp().globalData.store;
    this.setData({ busy: true, error: '' });
    api.login(store)
      .then(() => wx.reLaunch({ url: '/pages/index/index' }))
      .catch((problem) => this.setData({ busy: false, error: problem.error.message || '登录失败，请稍后再试。' }));
  },
});

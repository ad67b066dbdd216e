const { readStore } = require('./utils/config.js');
const api = require('./utils/api.js');

App({
  globalData: { store: null },

  onLaunch() {
    const ext = wx.getExtConfigSync ? wx.getExtConfigSync() : {};
    const account = wx.getAccountInfoSync ? wx.getAccountInfoSync() : { miniProgram: {} };
    this.globalData.store = readStore(ext, account.miniProgram.appId);
    this.loggingIn = null;
  },

  // Resolves once the shopper has a token (logging in silently the first time).
  ready() {
    if (api.token()) return Promise.resolve(api.token());
    if (!this.loggingIn) {
      this.loggingIn = api.login(this.globalData.store).finally(() => { this.loggingIn = null; });
    }
    return this.loggingIn;
  },
});

/* WeChat's JS-SDK (weixin-js-sdk from npm, bundled by esbuild and served from the store's own host: the
   Content-Security-Policy allows only 'self' scripts) for store pages shown in a mini program's
   web-view: Kaidian.miniProgram.navigateTo(url, onFail) opens a page of the mini program (the pay page's
   hand-off, payments/channels.py); Kaidian.miniProgram.isInside() reads window.__wxjs_environment, which
   WeChat sets to "miniprogram" in a web-view (reliable once WeixinJSBridgeReady has fired). The SDK
   itself waits for WeChat's bridge before it sends anything, and does nothing outside WeChat. */
import wx from "weixin-js-sdk";

var K = (window.Kaidian = window.Kaidian || {});

K.miniProgram = {
  isInside: function () {
    return window.__wxjs_environment === "miniprogram";
  },
  navigateTo: function (url, onFail) {
    wx.miniProgram.navigateTo({ url: url, fail: onFail });
  },
};

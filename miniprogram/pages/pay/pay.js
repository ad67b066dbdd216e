// The native pay page: WeChat lets a mini program pay only from native code (wx.requestPayment), never from
// a web-view. The store's pay page, in the web-view, hands the order over with WeChat's JS-SDK:
// wx.miniProgram.navigateTo({url: '/pages/pay/pay?order_id=…'}) (payments/channels.py, the `miniprogram`
// hand-off). The platform answers the JSAPI parameters for this mini program's AppID and the shopper's
// openid: timeStamp, nonceStr, package (prepay_id=…), signType RSA, paySign.
//
// Once paid it goes back to the web-view page that handed over, which has been waiting for the payment
// and shows the order; opened any other way (no page to go back to) it opens the orders tab. (A tab page
// cannot be the target of wx.redirectTo / wx.navigateTo; wx.reLaunch can open one.)

const api = require('../../utils/api.js');

Page({
  data: { busy: false, error: '', amountText: '', cashierUrl: '' },

  onLoad(options) {
    this.orderId = String((options && options.order_id) || '');
    if (!/^[0-9a-f-]{36}$/.test(this.orderId)) {
      this.setData({ error: '订单不存在。' });
      return;
    }
    this.pay();
  },

  done() {
    if (getCurrentPages().length > 1) {
      wx.navigateBack({ delta: 1 });
      return;
    }
    wx.reLaunch({ url: '/pages/orders/orders?path=' + encodeURIComponent('/orders/' + this.orderId) });
  },

  pay() {
    const app = getApp();
    const store = app.globalData.store;
    this.setData({ busy: true, error: '' });
    app.ready()
      .then(() => api.call(store, 'POST', '/api/mp/orders/' + this.orderId + '/pay'))
      .then((answer) => {
        this.setData({ amountText: answer.amount_text, cashierUrl: answer.cashier_url || '' });
        return new Promise((resolve, reject) => {
          wx.requestPayment(Object.assign({}, answer.payment, { success: resolve, fail: reject }));
        });
      })
      .then(() => this.done())
      .catch((problem) => {
        const cancelled = problem && problem.errMsg && problem.errMsg.indexOf('cancel') !== -1;
        const message = (problem && problem.error && problem.error.message) || (cancelled ? '已取消支付。' : '支付没有完成，请重试。');
        this.setData({ busy: false, error: message });
      });
  },
});

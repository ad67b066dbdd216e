// Calls to the platform's mini-program API (/api/mp/…) with the shopper's bearer token. One API host
// for every store: WeChat lets a mini program of a third-party platform reach only its server domains.

const TOKEN_KEY = 'kaidian_token';

function request(store, method, path, data, token) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: store.apiBase + path,
      method,
      data: data || {},
      header: Object.assign({ 'Content-Type': 'application/json' },
        token ? { Authorization: 'Bearer ' + token } : {}),
      success(res) {
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(res.data);
        else reject({ status: res.statusCode, error: (res.data && res.data.error) || {} });
      },
      fail(err) {
        reject({ status: 0, error: { message: err.errMsg } });
      },
    });
  });
}

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({ success: (res) => resolve(res.code), fail: (err) => reject({ status: 0, error: { message: err.errMsg } }) });
  });
}

// wx.login → POST /api/mp/login → the token, kept in storage. Silent: no prompt for the shopper.
function login(store) {
  return wxLogin()
    .then((code) => request(store, 'POST', '/api/mp/login', { appid: store.appid, code, store: store.store }))
    .then((answer) => {
      wx.setStorageSync(TOKEN_KEY, answer.token);
      return answer.token;
    });
}

function token() {
  return wx.getStorageSync(TOKEN_KEY) || '';
}

// A call as the logged-in shopper; a 401 (token ended or expired) logs in again once and retries.
function call(store, method, path, data) {
  const existing = token();
  const first = existing ? request(store, method, path, data, existing) : Promise.reject({ status: 401 });
  return first.catch((problem) => {
    if (problem.status !== 401) throw problem;
    return login(store).then((fresh) => request(store, method, path, data, fresh));
  });
}

module.exports = { login, call, token, TOKEN_KEY };

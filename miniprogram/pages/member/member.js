const { webviewPage } = require('../../utils/webview-page.js');

Page(webviewPage('/member'));

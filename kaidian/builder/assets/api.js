// JSON calls to the platform API with the session cookie and the CSRF header; never throws:
// every call resolves to {ok, status, data} (status 0 when the network failed).

export function createApi(csrfToken) {
  async function call(method, url, body, options = {}) {
    const headers = { Accept: "application/json", "X-CSRFToken": csrfToken };
    let payload;
    if (body instanceof FormData) {
      payload = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, {
        method, headers, body: payload, credentials: "same-origin", keepalive: Boolean(options.keepalive),
      });
    } catch (error) {
      return { ok: false, status: 0, data: null };
    }
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch (error) {
        data = null;
      }
    }
    return { ok: response.ok, status: response.status, data, total: Number(response.headers.get("X-Total-Count") || 0) };
  }

  return {
    get: (url) => call("GET", url),
    post: (url, body, options) => call("POST", url, body, options),
    put: (url, body, options) => call("PUT", url, body, options),
    del: (url) => call("DELETE", url),
  };
}

export function errorMessage(result, fallback) {
  const error = result && result.data && result.data.error;
  return (error && error.message) || fallback;
}

export function errorFields(result) {
  const error = result && result.data && result.data.error;
  return (error && error.fields) || {};
}

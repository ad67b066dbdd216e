from tests.conftest import api_token, login


def test_signup_login_and_admin_pages(client, make_store):
    store = make_store("alpha")
    login(client, store.login)
    for path in ["/admin/", "/admin/profile", "/admin/qualifications", "/admin/staff", "/admin/plan"]:
        assert client.get(path).status_code == 200, path


def test_api_token_me(client, make_store):
    store = make_store("alpha")
    headers = api_token(client, store.login)
    body = client.get("/api/v1/me", headers=headers).get_json()
    assert body["current_store"] == "alpha"

"""Run in a separate process by test_tokens: build the app from ``config``, wait for the others at the
barrier, then ask the token store for the component token."""


def fetch_component_token(config: dict, barrier, results) -> None:
    from kaidian.platform.app import create_app
    from kaidian.wechat import tokens

    app = create_app(config)
    with app.app_context():
        barrier.wait(60)
        try:
            results.put(("ok", tokens.component_token()))
        except Exception as error:  # reported to the test, which fails with it
            results.put(("error", repr(error)))

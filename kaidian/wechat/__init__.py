"""WeChat Open Platform integration: message crypto, the component client, acting for authorizers."""


def init_app(app) -> None:
    """Register the WeChat blueprints (added with the component flow)."""

"""An offline emulator of WeChat's Open Platform (component flow, authorization pages, shopper OAuth,
menus, encrypted pushes) that speaks WeChat's wire formats, for development, demos and tests.

Nothing in the product imports this package; only tests and the dev runner do.
"""

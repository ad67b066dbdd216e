from kaidian.platform.app import create_app

app = create_app()

from cli.main import app

app(prog_name="c2arm")
